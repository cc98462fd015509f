/**
 * Offline validation of rendered manifests: core kinds against kubernetes-models' OpenAPI schemas;
 * the two custom resources (no schema here: their operators own them) by hand, for the fields
 * their operators require and the ones Wikicast relies on.
 */
import { Namespace, ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { Manifest } from './kustomize.js';

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

const CORE: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const CUSTOM: Record<string, (m: Manifest) => string[]> = {
  'rabbitmq.com/v1beta1/RabbitmqCluster': checkRabbitmqCluster,
  'monitoring.coreos.com/v1/ServiceMonitor': checkServiceMonitor,
  'rabbitmq.com/v1beta1/User': (m) => checkTopologyResource(m, ['rabbitmqClusterReference', 'tags', 'importCredentialsSecret']),
  'rabbitmq.com/v1beta1/Permission': (m) => [
    ...checkTopologyResource(m, ['rabbitmqClusterReference', 'vhost', 'user', 'userReference', 'permissions']),
    ...(isRecord(m.spec) && isRecord(m.spec.permissions) ? [] : ['spec.permissions is required']),
  ],
  'rabbitmq.com/v1beta1/Policy': (m) => [
    ...checkTopologyResource(m, ['rabbitmqClusterReference', 'name', 'vhost', 'pattern', 'applyTo', 'priority', 'definition']),
    ...(isRecord(m.spec) && typeof m.spec.name === 'string' && typeof m.spec.pattern === 'string' && isRecord(m.spec.definition) ? [] : ['spec.name, spec.pattern and spec.definition are required']),
  ],
  'monitoring.coreos.com/v1/Probe': checkProbe,
};

/** Problems with one manifest, each naming the manifest; empty when it is valid. */
export function validateManifest(m: Manifest): string[] {
  const key = `${m.apiVersion}/${m.kind}`;
  const where = `${m.kind}/${m.metadata?.name ?? '(no name)'}`;
  if (typeof m.metadata?.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(m.metadata.name)) return [`${where}: metadata.name must be a DNS name`];
  const model = CORE[key];
  if (model !== undefined) {
    try {
      new model(normalized(m) as never).validate();
      return [];
    } catch (err) {
      return [`${where}: ${(err as Error).message}`];
    }
  }
  const custom = CUSTOM[key];
  if (custom !== undefined) return custom(m).map((problem) => `${where}: ${problem}`);
  return [`${where}: ${key} is not a kind these tests know how to validate`];
}

/** kustomize wraps long base64 values over lines; the API server's decoder skips the newlines. */
function normalized(m: Manifest): Manifest {
  if (m.kind !== 'Secret' || !isRecord(m.data)) return m;
  const data = Object.fromEntries(Object.entries(m.data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\s+/g, '') : v]));
  return { ...m, data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRabbitmqCluster(m: Manifest): string[] {
  const problems: string[] = [];
  const spec = m.spec;
  if (!isRecord(spec)) return ['spec is required'];
  if (!Number.isInteger(spec.replicas) || (spec.replicas as number) < 1) problems.push('spec.replicas must be a positive integer');
  if (spec.resources !== undefined && !isRecord(spec.resources)) problems.push('spec.resources must be an object');
  if (spec.persistence !== undefined) {
    if (!isRecord(spec.persistence)) problems.push('spec.persistence must be an object');
    else if (spec.persistence.storage !== undefined && !/^\d+(Ki|Mi|Gi|Ti)?$/.test(String(spec.persistence.storage))) problems.push('spec.persistence.storage must be a quantity');
  }
  if (spec.rabbitmq !== undefined) {
    if (!isRecord(spec.rabbitmq)) problems.push('spec.rabbitmq must be an object');
    else if (spec.rabbitmq.additionalConfig !== undefined && typeof spec.rabbitmq.additionalConfig !== 'string') problems.push('spec.rabbitmq.additionalConfig must be a string');
  }
  const known = ['replicas', 'image', 'imagePullSecrets', 'service', 'persistence', 'resources', 'affinity', 'tolerations', 'rabbitmq', 'tls', 'override', 'skipPostDeploySteps', 'terminationGracePeriodSeconds', 'delayStartSeconds', 'secretBackend'];
  for (const field of Object.keys(spec)) if (!known.includes(field)) problems.push(`spec.${field} is not a RabbitmqCluster field`);
  return problems;
}

/** The Messaging Topology Operator's resources: each names the RabbitmqCluster it applies to. */
function checkTopologyResource(m: Manifest, known: string[]): string[] {
  const spec = m.spec;
  if (!isRecord(spec)) return ['spec is required'];
  const problems: string[] = [];
  if (!isRecord(spec.rabbitmqClusterReference) || typeof spec.rabbitmqClusterReference.name !== 'string') problems.push('spec.rabbitmqClusterReference.name is required');
  for (const field of Object.keys(spec)) if (!known.includes(field)) problems.push(`spec.${field} is not a ${m.kind} field`);
  return problems;
}

function checkServiceMonitor(m: Manifest): string[] {
  const problems: string[] = [];
  const spec = m.spec;
  if (!isRecord(spec)) return ['spec is required'];
  if (!isRecord(spec.selector)) problems.push('spec.selector is required');
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) problems.push('spec.endpoints must list at least one endpoint');
  else {
    for (const [i, endpoint] of (spec.endpoints as unknown[]).entries()) {
      if (!isRecord(endpoint)) {
        problems.push(`spec.endpoints[${i}] must be an object`);
        continue;
      }
      if (typeof endpoint.port !== 'string' && endpoint.targetPort === undefined) problems.push(`spec.endpoints[${i}] needs port (a Service port name) or targetPort`);
      if (endpoint.interval !== undefined && !/^(\d+(ms|s|m|h))+$/.test(String(endpoint.interval))) problems.push(`spec.endpoints[${i}].interval must be a duration`);
      if (endpoint.path !== undefined && !String(endpoint.path).startsWith('/')) problems.push(`spec.endpoints[${i}].path must start with /`);
    }
  }
  const known = ['jobLabel', 'targetLabels', 'podTargetLabels', 'endpoints', 'selector', 'namespaceSelector', 'sampleLimit', 'targetLimit', 'labelLimit', 'attachMetadata'];
  for (const field of Object.keys(spec)) if (!known.includes(field)) problems.push(`spec.${field} is not a ServiceMonitor field`);
  return problems;
}

function checkProbe(m: Manifest): string[] {
  const problems: string[] = [];
  const spec = m.spec;
  if (!isRecord(spec)) return ['spec is required'];
  if (!isRecord(spec.prober) || typeof spec.prober.url !== 'string' || spec.prober.url === '') problems.push('spec.prober.url is required');
  const targets = spec.targets;
  const statics = isRecord(targets) && isRecord(targets.staticConfig) ? targets.staticConfig.static : undefined;
  const ingress = isRecord(targets) ? targets.ingress : undefined;
  if (!(Array.isArray(statics) && statics.length > 0) && !isRecord(ingress)) problems.push('spec.targets needs staticConfig.static or ingress');
  if (spec.interval !== undefined && !/^(\d+(ms|s|m|h))+$/.test(String(spec.interval))) problems.push('spec.interval must be a duration');
  const known = ['jobName', 'prober', 'module', 'targets', 'interval', 'scrapeTimeout', 'tlsConfig', 'bearerTokenSecret', 'authorization', 'basicAuth', 'oauth2', 'metricRelabelings', 'sampleLimit', 'targetLimit', 'labelLimit'];
  for (const field of Object.keys(spec)) if (!known.includes(field)) problems.push(`spec.${field} is not a Probe field`);
  return problems;
}
