import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, WikiRegistry } from '@wikicast/service-runtime';
import { REPO_ROOT } from '@wikicast/test/support';
import { validateManifest } from './k8s-schema.js';
import { podContainers, render, type Container, type Manifest, type Rendered } from './kustomize.js';

/**
 * deploy/kubernetes rendered offline (kubectl kustomize where present) and checked: every
 * resource against its schema, then the promises docs/operations.md makes about them.
 */
const K8S = join(REPO_ROOT, 'deploy/kubernetes');
const PORTS = { ingest: 8100, edge: 8101 } as const;
/** Secrets the manifests use but do not make: the RabbitMQ operator's, and the operator's TLS one. */
const EXTERNAL_SECRETS = ['wikicast-rabbitmq-wikicast-user-credentials', 'wikicast-tls'];

const scratch = mkdtempSync(join(tmpdir(), 'wikicast-k8s-'));
const renders = new Map<string, Rendered>();

before(async () => {
  // Every optional component at once, in a copy: kustomize will not load a directory outside
  // the tree, so the extra overlay goes beside the others.
  cpSync(K8S, join(scratch, 'kubernetes'), { recursive: true });
  mkdirSync(join(scratch, 'kubernetes/overlays/all'));
  writeFileSync(join(scratch, 'kubernetes/overlays/all/kustomization.yaml'), 'resources:\n  - ../example\ncomponents:\n  - ../../components/hpa-connections\n');
  const dirs = { base: join(K8S, 'base'), example: join(K8S, 'overlays/example'), all: join(scratch, 'kubernetes/overlays/all') };
  await Promise.all(Object.entries(dirs).map(async ([name, dir]) => renders.set(name, await render(dir))));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function rendered(name: string): Rendered {
  const r = renders.get(name);
  assert.ok(r, `${name} was rendered`);
  return r;
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (m.metadata.name === name || m.metadata.name.startsWith(`${name}-`)));
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}

function container(manifests: Manifest[], deployment: string): Container {
  const [first] = podContainers(find(manifests, 'Deployment', deployment));
  assert.ok(first, `${deployment} has a container`);
  return first;
}

function env(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

// Loosely typed access to rendered YAML; the schema tests above guard its shape.
type Any = any;

describe('schemas', () => {
  for (const name of ['base', 'example', 'all']) {
    it(`every resource of ${name} is valid`, () => {
      const { manifests } = rendered(name);
      assert.ok(manifests.length > 10, `${name} renders its resources`);
      assert.deepEqual(manifests.flatMap(validateManifest), []);
    });
  }

  it('every patch names a resource that exists (checked here when kubectl did not apply them)', (t) => {
    const { unappliedPatches, manifests } = rendered('all');
    if (unappliedPatches.length === 0) t.diagnostic('kubectl kustomize applied every patch');
    for (const patch of unappliedPatches) {
      assert.ok(
        manifests.some((m) => m.kind === patch.target.kind && m.metadata.name === patch.target.name),
        `${patch.file} targets ${patch.target.kind}/${patch.target.name}, which exists`,
      );
    }
  });
});

describe('workloads', () => {
  const manifests = (): Manifest[] => rendered('example').manifests;

  it('probe, budget resources and run every container as a non-root user', () => {
    for (const name of ['wikicast-ingest', 'wikicast-edge', 'wikicast-haproxy']) {
      const d = find(manifests(), 'Deployment', name) as Any;
      const pod = d.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, `${name} runAsNonRoot`);
      assert.ok(pod.securityContext.runAsUser > 0, `${name} runAsUser is not root`);
      assert.equal(pod.automountServiceAccountToken, false, `${name} needs no API token`);
      for (const c of pod.containers) {
        assert.ok(c.readinessProbe?.httpGet?.path === '/readyz', `${name} readiness on /readyz`);
        assert.ok(c.livenessProbe?.httpGet?.path === '/healthz', `${name} liveness on /healthz`);
        assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${name} requests CPU and memory`);
        assert.ok(c.resources?.limits?.memory, `${name} has a memory limit`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
        assert.ok(c.lifecycle?.preStop?.exec?.command, `${name} pauses before SIGTERM`);
      }
    }
  });

  it('gives the edge time for preStop, then its drain, within terminationGracePeriodSeconds', () => {
    const d = find(manifests(), 'Deployment', 'wikicast-edge') as Any;
    const edge = container(manifests(), 'wikicast-edge') as Any;
    const [command, seconds] = edge.lifecycle.preStop.exec.command;
    assert.equal(command, 'sleep');
    const preStop = Number(seconds);
    const drain = Number(env(edge, 'WIKICAST_DRAIN_TIMEOUT_S'));
    assert.ok(preStop >= 5, 'preStop outlasts the DNS TTL (5 s) so HAProxy has stopped sending new clients');
    assert.ok(drain > 0);
    assert.ok(d.spec.template.spec.terminationGracePeriodSeconds >= preStop + drain + 5, 'grace covers preStop + drain + margin');
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
  });

  it('gives ingest time for preStop, then its shutdown grace, within terminationGracePeriodSeconds', () => {
    const d = find(manifests(), 'Deployment', 'wikicast-ingest') as Any;
    const ingest = container(manifests(), 'wikicast-ingest') as Any;
    const preStop = Number(ingest.lifecycle.preStop.exec.command[1]);
    const grace = Number(env(ingest, 'WIKICAST_INGEST_SHUTDOWN_GRACE_MS')) / 1000;
    assert.ok(grace > 0);
    assert.ok(d.spec.template.spec.terminationGracePeriodSeconds >= preStop + grace + 5);
  });

  it('configures the services for containers: HOST, PORT, EDGE_ID from the pod name, wikis from a Secret', () => {
    for (const [name, port] of [['wikicast-ingest', PORTS.ingest], ['wikicast-edge', PORTS.edge]] as const) {
      const c = container(manifests(), name);
      assert.equal(env(c, 'HOST'), '0.0.0.0');
      assert.equal(env(c, 'PORT'), String(port));
      assert.deepEqual(c.ports?.map((p) => p.containerPort), [port]);
      const wikisFile = env(c, 'WIKICAST_WIKIS_FILE') ?? '';
      const mounts = (c as Any).volumeMounts as Array<{ name: string; mountPath: string }>;
      const mount = mounts.find((m) => wikisFile.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${name}: WIKICAST_WIKIS_FILE is on a mounted volume`);
      const volume = ((find(manifests(), 'Deployment', name) as Any).spec.template.spec.volumes as Any[]).find((v) => v.name === mount.name);
      assert.match(volume.secret.secretName, /^wikicast-wikis/);
      assert.ok(c.image?.startsWith(`${name}:`), `${name} image is tagged by the overlay`);
    }
    assert.deepEqual(container(manifests(), 'wikicast-edge').env?.find((e) => e.name === 'EDGE_ID')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
  });

  it('connects to every node of the 3-node RabbitmqCluster as a user of its own, limited to its prefix', () => {
    const cluster = find(manifests(), 'RabbitmqCluster', 'wikicast-rabbitmq') as Any;
    assert.equal(cluster.spec.replicas, 3);
    const user = find(manifests(), 'User', 'wikicast-rabbitmq-wikicast') as Any;
    assert.equal(user.spec.rabbitmqClusterReference.name, cluster.metadata.name);
    const permission = find(manifests(), 'Permission', 'wikicast-rabbitmq-wikicast') as Any;
    assert.equal(permission.spec.userReference.name, user.metadata.name);
    for (const kind of ['configure', 'write', 'read']) assert.equal(permission.spec.permissions[kind], '^wikicast\\.', `${kind} is limited to the prefix`);
    const nodes = Array.from({ length: cluster.spec.replicas as number }, (_, i) => `${cluster.metadata.name}-server-${i}.${cluster.metadata.name}-nodes`);
    for (const name of ['wikicast-ingest', 'wikicast-edge']) {
      const c = container(manifests(), name);
      assert.equal(env(c, 'WIKICAST_AMQP_PREFIX'), 'wikicast');
      assert.equal(env(c, 'WIKICAST_STREAM_REPLICAS'), String(cluster.spec.replicas), `${name} replicates the stream on every node`);
      const hosts = (env(c, 'AMQP_URL') ?? '').split(',').map((u) => new URL(u.trim().replace(/\$\((\w+)\)/g, 'x')).hostname);
      assert.deepEqual(hosts, nodes, `${name} lists every RabbitMQ node`);
      const refs = (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : []));
      assert.deepEqual([...new Set(refs)], [`${user.metadata.name}-user-credentials`], `${name} uses Wikicast's user, not the operator's admin user`);
    }
  });

  it('keeps a quorum of RabbitMQ pods through voluntary disruptions, and retention in a policy', () => {
    const budget = find(manifests(), 'PodDisruptionBudget', 'wikicast-rabbitmq') as Any;
    assert.equal(budget.spec.maxUnavailable, 1);
    assert.deepEqual(budget.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'wikicast-rabbitmq' });
    const policy = find(manifests(), 'Policy', 'wikicast-stream-retention') as Any;
    assert.ok(new RegExp(policy.spec.pattern).test('wikicast.events.log'), 'the policy applies to the stream');
    assert.equal(policy.spec.applyTo, 'queues');
    assert.equal(policy.spec.definition['max-age'], '7D');
  });

  it('references only Secrets it generates or that an operator makes', () => {
    const all = rendered('all').manifests;
    const made = new Set(all.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name));
    for (const d of all.filter((m) => m.kind === 'Deployment') as Any[]) {
      for (const volume of d.spec.template.spec.volumes ?? []) {
        if (volume.secret) assert.ok(made.has(volume.secret.secretName) || EXTERNAL_SECRETS.includes(volume.secret.secretName), volume.secret.secretName);
      }
    }
  });

  it('ships no usable secret: base has none, and the example placeholder is too short to start', () => {
    assert.equal(rendered('base').manifests.filter((m) => m.kind === 'Secret').length, 0);
    // The services' own reader refuses it at start, so the placeholder can never reach production.
    assert.throws(() => WikiRegistry.fromFile(join(K8S, 'overlays/example/wikis.example.json')), (err: unknown) => err instanceof ConfigError && /secret/.test(err.message));
  });
});

describe('traffic', () => {
  const manifests = (): Manifest[] => rendered('all').manifests;

  it('selects pods that exist, on ports they name', () => {
    const deployments = manifests().filter((m) => m.kind === 'Deployment') as Any[];
    for (const service of manifests().filter((m) => m.kind === 'Service') as Any[]) {
      const selector = service.spec.selector as Record<string, string>;
      const target = deployments.find((d) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      assert.ok(target, `Service ${service.metadata.name} selects a Deployment's pods`);
      const named = new Set(podContainers(target).flatMap((c) => (c.ports ?? []).map((p) => p.name)));
      for (const port of service.spec.ports) assert.ok(named.has(port.targetPort), `${service.metadata.name} port ${port.name} → ${port.targetPort}`);
    }
  });

  it('discovers edges and ingest through their headless Services, within HAProxy slots', () => {
    const haproxy = container(manifests(), 'wikicast-haproxy');
    for (const [variable, service] of [['WIKICAST_EDGE_DNS', 'wikicast-edge'], ['WIKICAST_INGEST_DNS', 'wikicast-ingest']] as const) {
      assert.equal(env(haproxy, variable), `${service}.$(POD_NAMESPACE).svc.cluster.local`);
      assert.equal((find(manifests(), 'Service', service) as Any).spec.clusterIP, 'None', `${service} is headless`);
    }
    const cfg = readFileSync(join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg'), 'utf8');
    const slots = /presetenv WIKICAST_EDGE_SLOTS\s+1-(\d+)/.exec(cfg);
    assert.ok(slots, 'haproxy.cfg sets WIKICAST_EDGE_SLOTS');
    const hpa = find(manifests(), 'HorizontalPodAutoscaler', 'wikicast-edge') as Any;
    assert.ok(hpa.spec.maxReplicas <= Number(slots[1]), 'every edge the autoscaler makes has a server slot');
    assert.equal(hpa.spec.scaleTargetRef.name, 'wikicast-edge');
    assert.ok(hpa.spec.minReplicas >= 2);
  });

  it('mounts haproxy.cfg from a ConfigMap identical to deploy/haproxy/haproxy.cfg', () => {
    const config = find(manifests(), 'ConfigMap', 'wikicast-haproxy') as Any;
    assert.equal(config.data['haproxy.cfg'], readFileSync(join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg'), 'utf8'));
    const d = find(manifests(), 'Deployment', 'wikicast-haproxy') as Any;
    assert.equal(d.spec.template.spec.volumes.find((v: Any) => v.configMap)?.configMap.name, config.metadata.name);
  });

  it('keeps one edge and one HAProxy up through voluntary disruptions', () => {
    const edge = find(manifests(), 'PodDisruptionBudget', 'wikicast-edge') as Any;
    assert.equal(edge.spec.maxUnavailable, 1);
    assert.deepEqual(edge.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'wikicast-edge' });
    assert.equal((find(manifests(), 'PodDisruptionBudget', 'wikicast-haproxy') as Any).spec.minAvailable, 1);
  });

  it('scrapes every Wikicast service and RabbitMQ, naming jobs as the alert rules expect', () => {
    const services = manifests().filter((m) => m.kind === 'Service') as Any[];
    for (const job of ['wikicast-edge', 'wikicast-ingest', 'wikicast-haproxy']) {
      const monitor = find(manifests(), 'ServiceMonitor', job) as Any;
      const selected = services.filter((s) => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
      assert.deepEqual(selected.map((s) => s.metadata.name), [job], `${job} monitor selects exactly its Service`);
      assert.equal(selected[0].metadata.labels[monitor.spec.jobLabel], job, 'job label');
      for (const endpoint of monitor.spec.endpoints) assert.ok(selected[0].spec.ports.some((p: Any) => p.name === endpoint.port));
    }
    find(manifests(), 'ServiceMonitor', 'wikicast-rabbitmq');
    // The served certificate's expiry, for WikicastCertificateExpiring.
    assert.equal((find(manifests(), 'Probe', 'wikicast-entry-tls') as Any).spec.jobName, 'wikicast-entry-tls');
  });

  it('terminates TLS at HAProxy from the wikicast-tls Secret (components/tls)', (t) => {
    const r = rendered('example');
    if (r.renderer !== 'kubectl') {
      t.skip('needs kubectl to apply the patch; the patch target was checked above');
      return;
    }
    const haproxy = container(r.manifests, 'wikicast-haproxy') as Any;
    const cert = env(haproxy, 'WIKICAST_TLS_CERT') ?? '';
    const mount = haproxy.volumeMounts.find((m: Any) => cert.startsWith(`${m.mountPath}/`));
    assert.ok(mount, 'the certificate is on a mounted volume');
    const volume = (find(r.manifests, 'Deployment', 'wikicast-haproxy') as Any).spec.template.spec.volumes.find((v: Any) => v.name === mount.name);
    assert.equal(volume.secret.secretName, 'wikicast-tls');
    const file = cert.slice(mount.mountPath.length + 1);
    assert.deepEqual(volume.secret.items.map((i: Any) => i.path).sort(), [file, `${file}.key`].sort(), 'HAProxy finds the key beside the certificate');
    const entry = find(r.manifests, 'Service', 'wikicast-entry') as Any;
    assert.ok(entry.spec.ports.some((p: Any) => p.port === 443 && p.targetPort === 'https'));
    assert.equal(entry.spec.type, 'LoadBalancer');
  });

  it('adds open connections to the edge autoscaler (components/hpa-connections)', (t) => {
    const r = rendered('all');
    if (r.renderer !== 'kubectl') {
      t.skip('needs kubectl to apply the patch; the patch target was checked above');
      return;
    }
    const hpa = find(r.manifests, 'HorizontalPodAutoscaler', 'wikicast-edge') as Any;
    assert.deepEqual(hpa.spec.metrics.map((m: Any) => m.resource?.name ?? m.pods?.metric.name), ['cpu', 'wikicast_edge_connections']);
  });
});
