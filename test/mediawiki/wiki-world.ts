import { setupTopology, startService, waitUntilReady, writeWikisFile, type ServiceProcess, type TestTopology, type TestWiki } from '@wikicast/test/support';
import { BROWSER_PACKAGES, ensureDebianPackages } from './debian-packages.js';
import { startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';

/** A wiki of its own with the whole path behind it: RabbitMQ topology, ingest, one edge, MediaWiki. */
export interface WikiWorld {
  topology: TestTopology;
  ingest: ServiceProcess;
  edge: ServiceProcess;
  mw: TestMediaWiki;
  /** The services' environment (prefix, wikis file), for a test that starts an edge again. */
  serviceEnv: Record<string, string>;
  /** Stops MediaWiki and the services, removes the topology and the wikis file. Safe after a failed start. */
  cleanup: () => Promise<void>;
}

/**
 * Starts ingest and an edge on the real RabbitMQ under `label`'s prefix, then Debian's MediaWiki
 * with the extension pointed at both; `browser` also makes sure Chromium is installed; `edgePort`
 * puts the edge on a port of the caller's (reusablePort, for an edge that comes back).
 */
export async function startWikiWorld(
  label: string,
  wiki: TestWiki,
  options: { extraSettings?: string; browser?: boolean; edgePort?: number; extensionsDir?: string } = {},
): Promise<WikiWorld> {
  const topology = await setupTopology(label);
  const wikisFile = writeWikisFile([wiki]);
  const env = { WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path };
  const started: ServiceProcess[] = [];
  let mw: TestMediaWiki | undefined;
  const cleanup = async (): Promise<void> => {
    await mw?.stop();
    await Promise.all(started.map((service) => service.stop()));
    await topology.cleanup();
    wikisFile.remove();
  };
  try {
    const [ingest, edge] = await Promise.all([
      startService('ingest', env).then((s) => (started.push(s), s)),
      startService('edge', { ...env, EDGE_ID: `${label}-edge`, ...(options.edgePort !== undefined ? { PORT: String(options.edgePort) } : {}) }).then((s) => (started.push(s), s)),
      options.browser === true ? ensureDebianPackages(BROWSER_PACKAGES) : Promise.resolve(),
    ]);
    await Promise.all([waitUntilReady(ingest), waitUntilReady(edge)]);
    mw = await startMediaWiki({
      wikiId: wiki.id,
      secret: wiki.secret,
      ingestUrl: ingest.url,
      edgeUrl: edge.url,
      ...(options.extraSettings !== undefined ? { extraSettings: options.extraSettings } : {}),
      ...(options.extensionsDir !== undefined ? { extensionsDir: options.extensionsDir } : {}),
    });
    return { topology, ingest, edge, mw, serviceEnv: env, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
