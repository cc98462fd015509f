import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RabbitCluster } from '../../deploy/local/rabbitmq-nodes.js';
import { freePort } from './ports.js';

export { RabbitCluster, RabbitNode } from '../../deploy/local/rabbitmq-nodes.js';

/**
 * RabbitMQ nodes of the test's own (never the machine's default node), clustered, on free
 * loopback ports, with data under a fresh temporary folder. Node names carry the label and a
 * random part, so test files can run side by side. The nodes are killed when the test process
 * exits, even if it never reached its cleanup.
 */
export async function startOwnRabbitCluster(label: string, count: number): Promise<RabbitCluster> {
  const tag = `${label}-${randomBytes(3).toString('hex')}`;
  const specs = [];
  for (let i = 0; i < count; i++) {
    specs.push({ name: `wikicast-${tag}-${String.fromCharCode(97 + i)}@localhost`, amqpPort: await freePort(), distPort: await freePort() });
  }
  const cluster = await RabbitCluster.start({ dir: mkdtempSync(join(tmpdir(), 'wikicast-rabbitmq-')), nodes: specs });
  process.once('exit', () => {
    for (const node of cluster.nodes) node.killNow();
  });
  return cluster;
}
