import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { after, before, it } from 'node:test';
import {
  REPO_ROOT,
  setupTopology,
  spawnLines,
  startService,
  testWiki,
  waitFor,
  waitUntilReady,
  writeWikisFile,
  type LineProcess,
  type ServiceProcess,
  type TestTopology,
} from '@wikicast/test/support';

/**
 * Issue 4's CLI round trip on the real services: `wikicast tail` in one process prints what
 * `wikicast send` in another sent, with its cursor; a second `tail --since` resumes after it
 * without duplicates. The CLI talks to ingest and an edge directly (WIKICAST_URL per command).
 */
const CLI = ['--conditions=wikicast-source', '--import', 'tsx', `${REPO_ROOT}/packages/client/src/cli/main.node.ts`];
const wiki = testWiki('cliwiki');
let topology: TestTopology;
let wikisFile: { path: string; remove: () => void };
let ingest: ServiceProcess;
let edge: ServiceProcess;
const children: ChildProcess[] = [];

before(async () => {
  topology = await setupTopology('cli');
  wikisFile = writeWikisFile([wiki]);
  const env = { WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path };
  [ingest, edge] = await Promise.all([startService('ingest', env), startService('edge', env)]);
  await Promise.all([waitUntilReady(ingest), waitUntilReady(edge)]);
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([ingest, edge].filter(Boolean).map((s) => s.stop()));
  await topology?.cleanup();
  wikisFile?.remove();
});

function cli(args: string[], url: string): LineProcess {
  const run = spawnLines(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, WIKICAST_URL: url, WIKICAST_WIKIS_FILE: wikisFile.path } });
  children.push(run.child);
  return run;
}

async function send(n: number): Promise<string> {
  const run = cli(['send', '--wiki', wiki.id, '--topic', `${wiki.id}:news`, '--type', 'note', '--msg', JSON.stringify({ n })], ingest.url);
  assert.equal(await run.exit, 0, run.stderr());
  const id = run.lines.at(-1) ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  return id;
}

it('tail prints what send sent, with cursors, and --since resumes without duplicates', { timeout: 120_000 }, async () => {
  const tail = cli(['tail', '--wiki', wiki.id, '--topics', `${wiki.id}:news`], edge.url);
  // tail announces nothing on stdout; wait until the edge counts its connection and subscription.
  await waitFor('tail to connect', async () => /wikicast_edge_connections\{[^}]*transport="ws"[^}]*\} [1-9]/.test(await (await fetch(`${edge.url}/metrics`)).text()), { timeoutMs: 20_000 });

  const first = [await send(1), await send(2), await send(3)];
  await waitFor('tail to print three events', () => tail.lines.length >= 3, { timeoutMs: 20_000 });
  const printed = tail.lines.map((line) => JSON.parse(line) as { id: string; cursor: string; msg: { n: number } });
  assert.deepEqual(printed.map((e) => e.id), first);
  assert.deepEqual(printed.map((e) => e.msg.n), [1, 2, 3]);
  for (const e of printed) assert.equal(typeof e.cursor, 'string');
  tail.child.kill('SIGINT');
  assert.equal(await tail.exit, 0, tail.stderr());

  // Two more while nobody listens; resuming after the second event prints 3, 4, 5 once each.
  const later = [await send(4), await send(5)];
  const resumed = cli(['tail', '--wiki', wiki.id, '--topics', `${wiki.id}:news`, '--since', printed[1]!.cursor, '--count', '3'], edge.url);
  assert.equal(await resumed.exit, 0, resumed.stderr());
  assert.deepEqual(resumed.lines.map((line) => (JSON.parse(line) as { id: string }).id), [first[2], ...later]);
});
