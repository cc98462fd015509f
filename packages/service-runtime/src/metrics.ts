import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry per service instance (not prom-client's global one), so in-process tests do not collide. */
export function createRegistry(service: string, instance: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, instance });
  collectDefaultMetrics({ register: registry, prefix: 'wikicast_' });
  return registry;
}
