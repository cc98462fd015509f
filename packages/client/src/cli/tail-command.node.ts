import { ReasonCode } from '../codes.js';
import { connect } from '../connect.node.js';
import type { WikicastError } from '../errors.js';
import { State, type StateChange } from '../state.js';
import { webSocketUrl } from '../ws-url.js';
import { DEFAULT_URL, type TokenArgs } from './args.node.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { retractionNotice } from './retraction-notice.js';
import { tokenSource } from './token-command.node.js';

export interface TailArgs {
  token: TokenArgs;
  topics: string[];
  since?: string;
  count?: number;
  /** Read a public wiki without a token (no secret needed). */
  anonymous?: boolean;
}

/** Server error codes that mean the command line asked for something invalid. */
const INVALID_CODES = new Set(['invalid_topic', 'foreign_topic', 'invalid_frame', 'bad_json']);
const AUTH_CODES = new Set(['unauthorized', 'forbidden']);

/**
 * `wikicast tail`: one JSON event a line on stdout (with `cursor`), logs on stderr (and a line
 * saying what a `retract` event takes back, see retraction-notice.ts). Uses the
 * client library, so it reconnects and resumes by cursor by itself. The first connection must
 * succeed (else exit 4, or 2 when the token is refused); later losses are logged and resumed.
 */
export async function tailCommand(args: TailArgs, io: CliIo): Promise<void> {
  const base = io.env.WIKICAST_URL || DEFAULT_URL;
  const where = webSocketUrl(base);
  const client = connect(args.anonymous === true ? { url: base, wiki: args.token.wiki } : { url: base, getToken: await tokenSource(args.token, io) });
  let printed = 0;
  let everConnected = false;

  const outcome = new Promise<void>((resolve, reject) => {
    const fail = (err: CliError) => {
      client.close();
      reject(err);
    };
    client.on('state', (change: StateChange) => {
      if (change.to === State.Connected) {
        if (everConnected) io.err(`wikicast: reconnected to ${where} (${client.edge ?? 'edge'}), resuming`);
        everConnected = true;
        return;
      }
      if (change.to === State.Closed && change.reason !== ReasonCode.closeCalled) {
        fail(new CliError(ExitCode.auth, `${where} refused the token (${change.reason}, close ${change.closeCode ?? '-'})`));
        return;
      }
      if (change.to !== State.Disconnected) return;
      const why = [change.reason, change.closeCode, change.detail].filter((p) => p !== undefined).join(', ');
      if (!everConnected) {
        const code = change.reason === ReasonCode.authRefused || change.reason === ReasonCode.tokenExpired ? ExitCode.auth : ExitCode.unavailable;
        fail(new CliError(code, `cannot connect to ${where}: ${why}`));
      } else if (change.from === State.Connected) {
        io.err(`wikicast: connection lost (${why}); reconnecting`);
      }
    });
    client.on('error', (err: WikicastError) => {
      const code = String(err.code);
      if (INVALID_CODES.has(code)) fail(new CliError(ExitCode.invalid, `${code}: ${err.message}`, { cause: err }));
      else if (AUTH_CODES.has(code)) fail(new CliError(ExitCode.auth, `${code}: ${err.message}`, { cause: err }));
      else io.err(`wikicast: ${code}: ${err.message}`);
    });
    client.on('reset', ({ topics, reason }) => {
      io.err(`wikicast: reset for ${topics.join(', ')}: ${reason} (history before this point is gone)`);
    });
    client.on('event', (event) => {
      io.out(JSON.stringify(event));
      const retraction = retractionNotice(event);
      if (retraction !== null) io.err(retraction);
      printed++;
      if (args.count !== undefined && printed >= args.count) {
        client.close();
        resolve();
      }
    });
    void io.stopped.then(() => {
      client.close();
      resolve();
    });
  });

  const noop = (): void => {};
  for (const topic of args.topics) client.subscribe(topic, noop, args.since === undefined ? {} : { since: args.since });
  await outcome;
}
