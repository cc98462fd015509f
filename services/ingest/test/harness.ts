import {
  setupTopology,
  signToken,
  startService,
  testWiki,
  waitUntilReady,
  writeWikisFile,
  type ServiceProcess,
  type TestTopology,
  type TestWiki,
} from '@wikicast/test/support';

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface IngestHarness {
  topology: TestTopology;
  ingest: ServiceProcess;
  wiki: TestWiki;
  otherWiki: TestWiki;
  wikisFile: { path: string; remove: () => void };
  /** Broker connection name prefix of this ingest (config: `<prefix>-ingest-<instance>`). */
  connectionName: string;
  token: (wiki?: TestWiki) => Promise<string>;
  /** Sends a string or bytes as they are, anything else as JSON. */
  post: (body: unknown, options?: PostOptions) => Promise<Reply>;
  cleanup: () => Promise<void>;
}

export interface PostOptions {
  token?: string;
  path?: string;
  contentType?: string;
  signal?: AbortSignal;
}

/** A real ingest process on a fresh topology prefix of the shared RabbitMQ; `cleanup()` undoes it all. */
export async function startHarness(label: string, env: Record<string, string> = {}): Promise<IngestHarness> {
  const topology = await setupTopology(label);
  const wiki = testWiki(`${label}wiki`);
  const otherWiki = testWiki(`${label}other`);
  const wikisFile = writeWikisFile([wiki, otherWiki]);
  let ingest: ServiceProcess | undefined;
  try {
    ingest = await startService('ingest', {
      WIKICAST_AMQP_PREFIX: topology.prefix,
      WIKICAST_WIKIS_FILE: wikisFile.path,
      INGEST_ID: label,
      WIKICAST_INGEST_RATE_PER_WIKI: '0',
      ...env,
    });
    await waitUntilReady(ingest);
  } catch (err) {
    await ingest?.stop();
    await topology.cleanup();
    wikisFile.remove();
    throw err;
  }
  const running = ingest;
  const tokens = new Map<string, string>();
  const token = async (which: TestWiki = wiki): Promise<string> => {
    let t = tokens.get(which.id);
    if (t === undefined) tokens.set(which.id, (t = await signToken(which, { aud: 'ingest' })));
    return t;
  };
  return {
    topology,
    ingest: running,
    wiki,
    otherWiki,
    wikisFile,
    connectionName: `${topology.prefix}-ingest-`,
    token,
    post: async (body, options = {}) => {
      const response = await fetch(`${running.url}${options.path ?? '/v1/events'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token ?? (await token())}`, 'content-type': options.contentType ?? 'application/json' },
        body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
        signal: options.signal ?? null,
      });
      const text = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        throw new Error(`ingest answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, { cause: err });
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    cleanup: async () => {
      await running.stop();
      await topology.cleanup();
      wikisFile.remove();
    },
  };
}

/** How many times each id occurs in the log. */
export function idCounts(entries: ReadonlyArray<{ event: Record<string, unknown> }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { event } of entries) counts.set(String(event.id), (counts.get(String(event.id)) ?? 0) + 1);
  return counts;
}
