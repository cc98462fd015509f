import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { signToken, SseReader, testWiki, type TestWiki } from '@wikicast/test/support';
import { setupEdgeWorld, wikiEvent, type EdgeWorld } from './harness.js';

const TYPES = ['edit', 'new', 'log', 'categorize'] as const;
const NAMESPACES = [0, 1, 2, 4];
const USERS = ['Ann', 'Ben', 'Cai'];
const GROUPS = ['sysop', 'user', 'bot'];
const EVENTS = 300;

interface Change {
  wiki: string;
  type: (typeof TYPES)[number];
  namespace: number;
  bot: boolean;
  audience?: { users?: string[]; groups?: string[] };
  /** Sent by a client (`from`) or addressed to connections (`to`): never part of a farm stream. */
  direct?: 'from' | 'to';
}

interface Reader {
  /** The token's wiki and claims; absent: anonymous. */
  token?: { wiki: string; user?: string; groups: string[] };
  wikis?: string[];
  types?: string[];
  namespaces?: number[];
  bot?: boolean;
}

/**
 * What a reader of `/v2/stream/recentchange` gets, written from the and docs' words rather
 * than from farm-encoder.ts: public wikis' events for everyone, the private wiki's only for its
 * own tokens; restricted events only for a token of their wiki whose user or groups they name;
 * nothing sent by or to clients; then every filter given must match.
 */
function expected(reader: Reader, change: Change, isPublic: (wiki: string) => boolean): boolean {
  if (change.direct !== undefined) return false;
  const own = reader.token?.wiki === change.wiki;
  if (!isPublic(change.wiki) && !own) return false;
  if (change.audience !== undefined) {
    if (!own) return false;
    const byUser = reader.token!.user !== undefined && (change.audience.users ?? []).includes(reader.token!.user);
    const byGroup = (change.audience.groups ?? []).some((group) => reader.token!.groups.includes(group));
    if (!byUser && !byGroup) return false;
  }
  if (reader.wikis !== undefined && !reader.wikis.includes(change.wiki)) return false;
  if (reader.types !== undefined && !reader.types.includes(change.type)) return false;
  if (reader.namespaces !== undefined && !reader.namespaces.includes(change.namespace)) return false;
  return reader.bot === undefined || reader.bot === change.bot;
}

describe('the farm stream delivers exactly what each reader may read and asked for', () => {
  const pubA = testWiki('esra', { public: true });
  const pubB = testWiki('esrb', { public: true });
  const priv = testWiki('esrpriv');
  const wikis: TestWiki[] = [pubA, pubB, priv];
  const isPublic = (id: string): boolean => wikis.find((w) => w.id === id)?.public === true;
  let world: EdgeWorld;
  const readers: SseReader[] = [];

  before(async () => {
    world = await setupEdgeWorld('edge-es-random', wikis, 1);
  });
  after(async () => {
    for (const reader of readers) reader.close();
    await world?.cleanup();
  });

  it('for random filters, identities and restricted events', async () => {
    const seed = Date.now();
    const some = <T>(values: readonly T[]) => fc.option(fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: values.length }), { nil: undefined });
    const token = fc.option(
      fc.record({ wiki: fc.constantFrom(...wikis.map((w) => w.id)), user: fc.option(fc.constantFrom(...USERS), { nil: undefined }), groups: fc.uniqueArray(fc.constantFrom(...GROUPS)) }),
      { nil: undefined },
    );
    const reader: fc.Arbitrary<Reader> = fc
      .record({ token, wikis: some(wikis.map((w) => w.id)), types: some(TYPES), namespaces: some(NAMESPACES), bot: fc.option(fc.boolean(), { nil: undefined }) })
      // A reader names only wikis it may read (naming another is refused, tested elsewhere).
      .map((r) => ({ ...r, wikis: r.wikis?.filter((id) => isPublic(id) || r.token?.wiki === id) }))
      .filter((r) => r.wikis === undefined || r.wikis.length > 0);
    const change: fc.Arbitrary<Change> = fc.record(
      {
        wiki: fc.constantFrom(...wikis.map((w) => w.id)),
        type: fc.constantFrom(...TYPES),
        namespace: fc.constantFrom(...NAMESPACES),
        bot: fc.boolean(),
        audience: fc.record({ users: fc.uniqueArray(fc.constantFrom(...USERS)), groups: fc.uniqueArray(fc.constantFrom(...GROUPS)) }, { requiredKeys: [] }),
        direct: fc.constantFrom('from' as const, 'to' as const),
      },
      { requiredKeys: ['wiki', 'type', 'namespace', 'bot'] },
    );
    const [readerSpecs, changes] = fc.sample(fc.tuple(fc.array(reader, { minLength: 12, maxLength: 12 }), fc.array(change, { minLength: EVENTS, maxLength: EVENTS })), { seed, numRuns: 1 })[0]!;

    const opened: SseReader[] = [];
    for (const spec of readerSpecs) {
      const query = new URLSearchParams();
      if (spec.token !== undefined) {
        const wiki = wikis.find((w) => w.id === spec.token!.wiki)!;
        query.set('token', await signToken(wiki, { ...(spec.token.user === undefined ? {} : { sub: spec.token.user }), groups: spec.token.groups }));
      }
      if (spec.wikis !== undefined) query.set('wiki', spec.wikis.join(','));
      if (spec.types !== undefined) query.set('type', spec.types.join(','));
      if (spec.namespaces !== undefined) for (const ns of spec.namespaces) query.append('namespace', String(ns));
      if (spec.bot !== undefined) query.set('bot', String(spec.bot));
      const sse = new SseReader(`${world.edges[0]!.url}/v2/stream/recentchange?${query.toString()}`);
      readers.push(sse);
      opened.push(sse);
      await sse.opened;
      assert.equal(sse.status, 200, `seed ${seed}: ${query.toString()} ${JSON.stringify(sse.body)}`);
      await sse.next((m) => m.event === 'wikicast.subscribed', 'subscribed');
    }

    const published = changes.map((c) => toEvent(c));
    // One sentinel per reader that its filters and permissions let through: once a reader has its
    // own, every earlier event of the stream was delivered to it (one stream, delivered in order).
    const sentinels = readerSpecs.map((spec) => toEvent(sentinelFor(spec, wikis)));
    await world.publish(...published, ...sentinels);
    for (const [n, sse] of opened.entries()) {
      await sse.next((m) => m.event === 'message' && (m.json.meta as { id: string }).id === sentinels[n]!.id, `reader ${n}'s sentinel (seed ${seed})`);
      const got = sse.messages.filter((m) => m.event === 'message').map((m) => (m.json.meta as { id: string }).id);
      const want = published.filter((_, i) => expected(readerSpecs[n]!, changes[i]!, isPublic)).map((e) => e.id);
      const publishedIds = new Set(published.map((e) => e.id));
      assert.deepEqual(got.filter((id) => publishedIds.has(id)), want, `seed ${seed}, reader ${n}: ${JSON.stringify(readerSpecs[n])}`);
    }
  });
});

function toEvent(change: Change): Record<string, unknown> & { id: string } {
  const msg = { type: change.type, namespace: change.namespace, title: 'Page', bot: change.bot, wiki: change.wiki, user: 'Ann', comment: '' };
  return wikiEvent(change.wiki, `${change.wiki}:recentchange`, {
    type: change.type,
    msg,
    ...(change.audience === undefined ? {} : { audience: change.audience }),
    ...(change.direct === 'from' ? { from: 'WSsender' } : change.direct === 'to' ? { to: ['WSsomeone'] } : {}),
  });
}

/** An unrestricted change that passes every filter `spec` gives, on a wiki it reads. */
function sentinelFor(spec: Reader, wikis: readonly TestWiki[]): Change {
  const readable = spec.wikis ?? wikis.filter((w) => w.public === true || w.id === spec.token?.wiki).map((w) => w.id);
  return { wiki: readable[0]!, type: (spec.types?.[0] ?? 'edit') as Change['type'], namespace: spec.namespaces?.[0] ?? 0, bot: spec.bot ?? false };
}
