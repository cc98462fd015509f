import type { ServerFrame } from '@wikicast/protocol';
import { DEFAULT_BACKOFF } from './backoff.js';
import { CloseCode, ErrorCode, ReasonCode, reasonForClose, SHUTTING_DOWN } from './codes.js';
import { Emitter } from './emitter.js';
import { WikicastError } from './errors.js';
import type { MessageCallback, WikicastMessage } from './message.js';
import { browserNetworkStatus, type NetworkStatus } from './network.js';
import { DEFAULTS, type ClientEvents, type ClientOptions, type Recipients, type SendOptions, type Tunables } from './options.js';
import { PendingRequests } from './pending-requests.js';
import { PresenceTracker, type PresenceListener } from './presence-tracker.js';
import { RecentIds } from './recent-ids.js';
import { nextStep } from './reconnect-policy.js';
import type { SocketLike } from './socket.js';
import { State } from './state.js';
import { Subscriptions, type SubscribeRequest } from './subscriptions.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';
import { TokenKeeper } from './token-keeper.js';
import { webSocketUrl } from './ws-url.js';

/**
 * The Wikicast client: one state machine (disconnected → connecting → connected, and closed)
 * behind the seed's `webSocket` API and a modern one. See docs/client.md.
 */
export class WikicastClient {
  private currentState = State.Disconnected;
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly subs = new Subscriptions();
  private readonly present = new PresenceTracker();
  private readonly recent: RecentIds;
  private readonly pending: PendingRequests;
  private readonly tokens: TokenKeeper;
  private readonly timers: Timers;
  private readonly network: NetworkStatus | undefined;
  private readonly options: ClientOptions & Tunables;
  private socket: SocketLike | undefined;
  /** Bumped whenever an attempt is abandoned, so late answers from it are ignored. */
  private generation = 0;
  private retryTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private stopWatchingNetwork: (() => void) | undefined;
  private attempts = 0;
  private draining = false;
  private authFailures = 0;
  private nextRef = 0;
  /** Subscribe frames waiting for `subscribed`, by ref: the names they asked for. */
  private readonly subscribeRefs = new Map<string | number, string[]>();
  /** The newest cursor this connection delivered (or its `welcome` cursor). */
  private lastCursor: string | undefined;
  private info: { cid: string; edge: string } | undefined;
  /** The text of the socket's last `error` event, to explain the close that follows. */
  private transportError: string | undefined;
  /** `connect()` was called on a lazy client with nothing to listen to yet (options.lazy). */
  private awaitingInterest = false;

  constructor(options: ClientOptions) {
    this.options = { ...DEFAULTS, ...options };
    this.timers = options.timers ?? systemTimers;
    this.network = options.network ?? browserNetworkStatus();
    this.recent = new RecentIds(this.options.dedupCapacity);
    this.pending = new PendingRequests(this.timers);
    this.tokens = new TokenKeeper(options.token, options.getToken, this.timers);
  }

  get state(): State {
    return this.currentState;
  }

  /** This connection's client id (the `from` of what it sends) and edge, once connected. */
  get cid(): string | undefined {
    return this.info?.cid;
  }

  get edge(): string | undefined {
    return this.info?.edge;
  }

  // ---- the seed's API ----

  /** Seed API: whether events flow now (if not, the page keeps polling). */
  connected(): boolean {
    return this.currentState === State.Connected;
  }

  /** Seed API: `callback` runs on every loss of an established connection. */
  disconnected(callback: () => void): void {
    this.on('disconnected', () => callback());
  }

  /**
   * Seed API and modern API: `callback` gets every event on `topic` (the seed's `type`: a full
   * `<wiki>:<name>` or a bare name scoped to the token's wiki). Returns the unsubscribe function.
   * Modern API: `since` (a cursor) replays what came after it first; it applies only to a topic
   * not subscribed yet.
   */
  subscribe(topic: string, callback: MessageCallback, options: { since?: string } = {}): () => void {
    const since = options.since;
    const isNew = this.subs.add(topic, callback, since ?? (this.connected() ? this.lastCursor : undefined));
    this.wake();
    if (isNew && this.connected()) this.sendSubscribe(since === undefined ? { topics: [topic] } : { topics: [topic], since });
    return () => this.unsubscribe(topic, callback);
  }

  /**
   * Seed API (`send(type, msg, to)`) and modern API (`send(type, msg, {topic, to, timeoutMs})`).
   * Resolves with the event id once the broker confirmed it; rejects with a `WikicastError`
   * (`not_connected`, `disconnected`, `ack_timeout`, or the server's code).
   */
  send(type: string, msg?: unknown, to?: Recipients | SendOptions): Promise<string> {
    const options: SendOptions = to !== null && typeof to === 'object' && !Array.isArray(to) ? to : { to: to || undefined };
    if (this.draining) return Promise.reject(new WikicastError(ErrorCode.closed, `cannot send "${type}": the client is draining`));
    // A lazy client starts connecting; this send is refused like any other before the connection.
    this.wake();
    if (!this.connected()) {
      return Promise.reject(new WikicastError(ErrorCode.notConnected, `cannot send "${type}": not connected`));
    }
    const ref = ++this.nextRef;
    const recipients = typeof options.to === 'string' ? [options.to] : options.to;
    const frame = {
      op: 'send',
      type,
      msg,
      ref,
      ...(options.topic !== undefined ? { topic: options.topic } : {}),
      ...(recipients !== undefined && recipients.length > 0 ? { to: recipients } : {}),
    };
    const acked = this.pending.add(ref, options.timeoutMs ?? this.options.ackTimeoutMs);
    this.write(frame);
    return acked;
  }

  // ---- the modern API ----

  on<K extends keyof ClientEvents>(name: K, listener: ClientEvents[K]): this {
    this.emitter.on(name, listener);
    return this;
  }

  off<K extends keyof ClientEvents>(name: K, listener: ClientEvents[K]): this {
    this.emitter.off(name, listener);
    return this;
  }

  /**
   * Joins `topic`'s presence (and its events) and calls `listener` with who is there now and on
   * every change, across reconnections. Returns the function that stops listening; the last
   * listener leaves the presence, unless the topic's events are still subscribed.
   */
  presence(topic: string, listener: PresenceListener): () => void {
    if (this.present.add(topic, listener) && this.connected()) this.joinPresence(topic);
    this.wake();
    return () => {
      if (this.present.remove(topic, listener) && this.connected() && this.subs.get(topic) === undefined) this.write({ op: 'unsubscribe', topics: [topic] });
    };
  }

  /** Removes one callback, or every callback of `topic`; the last one leaves the topic. */
  unsubscribe(topic: string, callback?: MessageCallback): void {
    if (this.subs.remove(topic, callback) && this.connected() && !this.present.has(topic)) this.write({ op: 'unsubscribe', topics: [topic] });
  }

  /** A lazy client that `connect()` was called on connects once something listens or sends. */
  private wake(): void {
    if (!this.awaitingInterest) return;
    this.awaitingInterest = false;
    this.start();
  }

  /** The join, then the question whose answer is the state the joins and leaves that follow update. */
  private joinPresence(topic: string): void {
    this.write({ op: 'subscribe', topics: [topic], presence: true });
    this.write({ op: 'presence', topics: [topic] });
  }

  /** Starts connecting (again, after `close()`). Idempotent while connecting or connected. */
  connect(): this {
    if (this.currentState === State.Connecting || this.currentState === State.Connected) return this;
    this.awaitingInterest = this.options.lazy === true && this.subs.size === 0 && this.present.size === 0;
    if (!this.awaitingInterest) this.start();
    return this;
  }

  private start(): void {
    this.stopWatchingNetwork ??= this.network?.watch((online) => this.onNetwork(online));
    this.attempts = 0;
    if (this.network !== undefined && !this.network.online()) {
      this.setState(State.Disconnected, ReasonCode.offline);
    } else {
      this.open(ReasonCode.connectCalled, false);
    }
  }

  /**
   * Finishes in-flight work, then closes: new sends are refused at once (`client_closed`), sends
   * already made get their ack, error or timeout first. Idempotent; resolves once closed.
   */
  async drain(): Promise<void> {
    this.draining = true;
    await this.pending.idle();
    this.close();
  }

  /** Closes for good: no reconnection; pending sends reject with `client_closed`. Idempotent. */
  close(): void {
    this.draining = false;
    this.awaitingInterest = false;
    if (this.currentState === State.Closed) return;
    this.stopWatchingNetwork?.();
    this.stopWatchingNetwork = undefined;
    this.end(State.Closed, ReasonCode.closeCalled, undefined, ErrorCode.closed);
  }

  // ---- the state machine ----

  private setState(to: State, reason: ReasonCode, closeCode?: number, detail?: string): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    this.emit('state', { from, to, reason, ...(closeCode !== undefined ? { closeCode } : {}), ...(detail !== undefined ? { detail } : {}) });
  }

  private open(reason: ReasonCode, refreshToken: boolean): void {
    this.clearTimer('retryTimer');
    const generation = ++this.generation;
    this.setState(State.Connecting, reason);
    this.tokens.forConnect(refreshToken).then(
      (token) => {
        if (generation === this.generation) this.startSocket(token);
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.report(new WikicastError(ErrorCode.tokenUnavailable, `getToken failed: ${describe(err)}`, { cause: err }));
        this.lost(ReasonCode.tokenUnavailable);
      },
    );
  }

  private startSocket(token: string | undefined): void {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    const socket = new this.options.WebSocket(webSocketUrl(this.options.url, token, this.options.baseUrl ?? base, this.options.wiki));
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket === socket) this.onMessage(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.detachSocket();
      this.lost(reasonForClose(event.code), event.code);
    };
    // A failure is always followed by `close`, which carries the outcome the client acts on;
    // the error's text is kept to explain that close. (`ws` also needs a listener, or it throws.)
    socket.onerror = (event) => {
      if (this.socket === socket) this.transportError = describe((event as { message?: unknown } | null)?.message ?? 'socket error');
    };
    this.connectTimer = this.timers.set(() => {
      if (this.socket !== socket) return;
      this.dropSocket();
      this.lost(ReasonCode.connectTimeout);
    }, this.options.connectTimeoutMs);
  }

  /** The connection is gone (or could not be made): decide, with the policy, what comes next. */
  private lost(reason: ReasonCode, closeCode?: number): void {
    if (this.currentState === State.Closed) return;
    if (reason === ReasonCode.authRefused) this.authFailures++;
    const step = nextStep(reason, {
      attempts: this.attempts,
      authFailures: this.authFailures,
      canRefreshToken: this.tokens.canRefresh,
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      rateLimitDelayMs: this.options.rateLimitDelayMs,
      maxAuthFailures: this.options.maxAuthFailures,
      random: this.options.random ?? Math.random,
    });
    if (step.action === 'give-up') {
      this.end(State.Closed, reason, closeCode, ErrorCode.disconnected);
      return;
    }
    this.end(State.Disconnected, reason, closeCode, ErrorCode.disconnected);
    // A listener may have called close() or connect() meanwhile: then that call decides.
    if (this.currentState !== State.Disconnected || this.retryTimer !== undefined) return;
    if (step.action === 'retry') {
      this.attempts++;
      this.retryTimer = this.timers.set(() => {
        this.retryTimer = undefined;
        this.open(ReasonCode.reconnect, step.refreshToken);
      }, step.delayMs);
    }
  }

  /** Leaves the current connection (if any) for `state`, failing what waited on it. */
  private end(state: State, reason: ReasonCode, closeCode: number | undefined, pendingCode: ErrorCode): void {
    const wasConnected = this.currentState === State.Connected;
    this.generation++;
    this.clearTimer('retryTimer');
    this.clearTimer('connectTimer');
    this.tokens.cancel();
    this.dropSocket();
    this.subscribeRefs.clear();
    this.info = undefined;
    this.pending.rejectAll((ref) => new WikicastError(pendingCode, `connection ended (${reason}) before the ack`, { ref }));
    const detail = this.transportError;
    this.transportError = undefined;
    this.setState(state, reason, closeCode, detail);
    if (wasConnected) this.emit('disconnected', { reason, ...(closeCode !== undefined ? { closeCode } : {}) });
  }

  private onNetwork(online: boolean): void {
    if (this.currentState === State.Closed) return;
    if (!online) {
      if (this.currentState !== State.Disconnected || this.retryTimer !== undefined) this.lost(ReasonCode.offline);
      return;
    }
    if (this.currentState === State.Disconnected) {
      this.attempts = 0;
      this.open(ReasonCode.online, false);
    }
  }

  // ---- frames ----

  private onMessage(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch (err) {
      this.report(new WikicastError(ErrorCode.badFrame, `frame is not JSON: ${describe(err)}`, { cause: err }));
      return;
    }
    switch (frame.op) {
      case 'welcome':
        return this.onWelcome(frame.cid, frame.edge, frame.cursor ?? undefined);
      case 'event': {
        const { op, ...message } = frame;
        return this.onEvent(message);
      }
      case 'subscribed': {
        const requested = frame.ref === undefined ? undefined : this.subscribeRefs.get(frame.ref);
        if (requested !== undefined && frame.ref !== undefined) {
          this.subscribeRefs.delete(frame.ref);
          this.subs.noteResolved(requested, frame.topics);
        }
        return;
      }
      case 'ack':
        this.pending.resolve(frame.ref, frame.id);
        return;
      case 'reset':
        this.subs.reset(frame.topics, this.lastCursor);
        this.emit('reset', { topics: frame.topics, reason: frame.reason });
        return;
      case 'error':
        return this.onErrorFrame(frame.code, frame.message, frame.ref);
      case 'unsubscribed':
        // Without a ref it is the server's own doing (docs/edge.md, token refresh); its `error` follows.
        if (frame.ref === undefined) this.subs.drop(frame.topics);
        return;
      case 'join':
      case 'leave':
      case 'presence':
        return this.present.apply(frame, (listener, state) => this.invoke(listener, state));
      default:
        this.report(new WikicastError(ErrorCode.badFrame, `unknown frame op ${JSON.stringify((frame as { op?: unknown }).op)}`));
    }
  }

  private onWelcome(cid: string, edge: string, cursor: string | undefined): void {
    this.clearTimer('connectTimer');
    this.info = { cid, edge };
    this.lastCursor = cursor;
    this.attempts = 0;
    this.authFailures = 0;
    this.setState(State.Connected, ReasonCode.welcome);
    if (this.currentState !== State.Connected) return;
    for (const request of this.subs.resumeRequests()) this.sendSubscribe(request);
    for (const topic of this.present.names()) this.joinPresence(topic);
    // Subscriptions sent without `since` go live now, no earlier than the welcome cursor.
    this.subs.fillMissing(cursor);
    this.tokens.schedule(() => this.refreshToken());
    this.emit('connected', { cid, edge });
  }

  private onEvent(message: WikicastMessage): void {
    if (typeof message.id !== 'string' || typeof message.cursor !== 'string' || typeof message.topic !== 'string') {
      this.report(new WikicastError(ErrorCode.badFrame, 'event frame without id, topic or cursor'));
      return;
    }
    this.lastCursor = message.cursor;
    const matched = this.subs.matching(message.topic, message.wiki);
    this.subs.advance(matched, message.cursor);
    this.subs.fillMissing(message.cursor);
    if (!this.recent.add(message.id)) return;
    this.emit('event', message);
    for (const sub of matched) {
      for (const callback of [...sub.callbacks]) this.invoke(callback, message);
    }
  }

  private onErrorFrame(code: string, message: string, ref: string | number | undefined): void {
    const err = new WikicastError(code, message, ref === undefined ? {} : { ref });
    if (this.pending.reject(ref, err)) return;
    if (ref !== undefined) this.subscribeRefs.delete(ref);
    // A draining edge says so just before it closes with 1012, and the client then reconnects
    // elsewhere at once: that is the close's reason (the state change's `detail`), not an error
    // for the page (one per open page at every edge restart otherwise).
    if (code === SHUTTING_DOWN && ref === undefined) {
      this.transportError = `${code}: ${message}`;
      return;
    }
    this.report(err);
  }

  private sendSubscribe(request: SubscribeRequest): void {
    const ref = ++this.nextRef;
    this.subscribeRefs.set(ref, request.topics);
    this.write({ op: 'subscribe', ...request, ref });
  }

  private refreshToken(): void {
    const generation = this.generation;
    this.tokens.fetch().then(
      (token) => {
        if (generation !== this.generation) return;
        this.write({ op: 'auth', token });
        this.tokens.schedule(() => this.refreshToken());
      },
      (err: unknown) => {
        // The connection goes on; if the token expires the server closes with 4001 and the
        // reconnection asks getToken again.
        this.report(new WikicastError(ErrorCode.tokenUnavailable, `getToken failed: ${describe(err)}`, { cause: err }));
      },
    );
  }

  private write(frame: object): void {
    this.socket?.send(JSON.stringify(frame));
  }

  // ---- plumbing ----

  private detachSocket(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    socket.onmessage = null;
    socket.onclose = null;
    this.socket = undefined;
    this.clearTimer('connectTimer');
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.detachSocket();
    socket?.close(CloseCode.normal);
  }

  private clearTimer(name: 'retryTimer' | 'connectTimer'): void {
    const handle = this[name];
    if (handle !== undefined) this.timers.clear(handle);
    this[name] = undefined;
  }

  private invoke<T>(callback: (value: T) => void, value: T): void {
    try {
      callback(value);
    } catch (err) {
      this.report(new WikicastError(ErrorCode.callbackFailed, `a callback threw: ${describe(err)}`, { cause: err }));
    }
  }

  private emit<K extends keyof ClientEvents>(name: K, ...args: Parameters<ClientEvents[K]>): void {
    this.emitter.emit(name, (err) => this.report(new WikicastError(ErrorCode.callbackFailed, `a "${String(name)}" listener threw: ${describe(err)}`, { cause: err })), ...args);
  }

  /**
   * Hands an error to the `error` listeners. With none, it is thrown from a timer so that it
   * shows as an uncaught error (as a DOM event handler's would), never silently dropped.
   */
  private report(err: WikicastError): void {
    if (this.emitter.has('error')) {
      this.emitter.emit('error', (thrown) => this.rethrow(thrown), err);
    } else {
      this.rethrow(err);
    }
  }

  private rethrow(err: unknown): void {
    this.timers.set(() => {
      throw err;
    }, 0);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
