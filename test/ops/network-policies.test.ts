import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO_ROOT } from '@wikicast/test/support';
import { podContainers, render, type Manifest } from './kustomize.js';

/**
 * deploy/kubernetes/base/network-policies.yaml, rendered offline with the example overlay (TLS
 * included) and checked against the workloads it governs: selectors that match their pods, ports
 * they listen on, and the promises docs/operations.md ("Network policies") makes. Schemas are
 * checked with the rest in kubernetes.test.ts.
 */
const MONITORING = { 'kubernetes.io/metadata.name': 'monitoring' };
/** RabbitMQ's ports, which its operator's pods listen on (not in any rendered manifest). */
const RABBITMQ_PORTS = [
  { name: 'amqp', containerPort: 5672 },
  { name: 'amqps', containerPort: 5671 },
  { name: 'management', containerPort: 15672 },
  { name: 'prometheus', containerPort: 15692 },
];

// Loosely typed access to rendered YAML; kubernetes.test.ts validates its shape.
type Any = any;
type Labels = Record<string, string>;
interface Workload {
  name: string;
  labels: Labels;
  ports: Array<{ name?: string; containerPort: number }>;
}
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
  ipBlock?: { cidr: string };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface Policy {
  name: string;
  podSelector: { matchLabels: Labels };
  policyTypes: string[];
  ingress: Rule[];
  egress: Rule[];
}

let manifests: Manifest[] = [];
let workloads: Workload[] = [];
let policies: Policy[] = [];

before(async () => {
  manifests = (await render(join(REPO_ROOT, 'deploy/kubernetes/overlays/example'))).manifests;
  const spec = (m: Manifest): Any => (m as { spec?: unknown }).spec;
  workloads = [
    ...manifests
      .filter((m) => m.kind === 'Deployment')
      .map((d) => ({ name: d.metadata.name, labels: spec(d).template.metadata.labels as Labels, ports: podContainers(d).flatMap((c) => c.ports ?? []) })),
    // The operator labels the cluster's pods with the cluster's name.
    ...manifests.filter((m) => m.kind === 'RabbitmqCluster').map((r) => ({ name: r.metadata.name, labels: { 'app.kubernetes.io/name': r.metadata.name, 'app.kubernetes.io/component': 'rabbitmq' }, ports: RABBITMQ_PORTS })),
  ];
  policies = manifests
    .filter((m) => m.kind === 'NetworkPolicy')
    .map((m) => ({ name: m.metadata.name, ingress: [], egress: [], ...spec(m) }) as Policy);
});

const selects = (selector: Labels | undefined, labels: Labels): boolean => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const selected = (selector: Labels | undefined): Workload[] => workloads.filter((w) => selects(selector, w.labels));
function governed(policy: Policy): Workload {
  const [workload, ...more] = selected(policy.podSelector.matchLabels);
  assert.ok(workload && more.length === 0, `${policy.name} selects exactly one workload's pods`);
  return workload;
}
function policyOf(workload: string): Policy {
  const policy = policies.find((p) => governed(p).name === workload);
  assert.ok(policy, `a NetworkPolicy governs ${workload}`);
  return policy;
}
/** The container port a policy port names (by number or by name), or undefined. */
const containerPort = (w: Workload, port: PolicyPort): number | undefined => w.ports.find((p) => p.containerPort === port.port || p.name === port.port)?.containerPort;
const isMonitoring = (peer: Peer): boolean => peer.podSelector === undefined && JSON.stringify(peer.namespaceSelector?.matchLabels) === JSON.stringify(MONITORING);
/** A peer that is exactly the pods of one workload in this namespace. */
const podsOf = (peer: Peer): string | undefined => {
  if (peer.namespaceSelector !== undefined || peer.ipBlock !== undefined || peer.podSelector === undefined) return undefined;
  const matched = selected(peer.podSelector.matchLabels);
  return matched.length === 1 ? matched[0]!.name : undefined;
};

describe('network policies', () => {
  it('govern every workload, each selecting exactly its pods, in both directions for the services', () => {
    assert.deepEqual(policies.map((p) => governed(p).name).sort(), workloads.map((w) => w.name).sort());
    for (const name of ['wikicast-ingest', 'wikicast-edge', 'wikicast-haproxy']) assert.deepEqual(policyOf(name).policyTypes, ['Ingress', 'Egress'], name);
    assert.deepEqual(policyOf('wikicast-rabbitmq').policyTypes, ['Ingress']);
  });

  it('admit traffic on ports the pods listen on, and every port a pod listens on from someone', () => {
    for (const policy of policies) {
      const w = governed(policy);
      const admitted = new Set<number>();
      for (const rule of policy.ingress) {
        for (const port of rule.ports ?? []) {
          const number = containerPort(w, port);
          assert.ok(number !== undefined, `${policy.name}: port ${port.port} is one ${w.name} listens on`);
          admitted.add(number);
        }
        if (rule.ports === undefined) w.ports.forEach((p) => admitted.add(p.containerPort));
      }
      for (const p of w.ports) assert.ok(admitted.has(p.containerPort), `${w.name} port ${p.name ?? p.containerPort} is reachable`);
    }
  });

  it('let only HAProxy reach ingest and the edges (and Prometheus their metrics)', () => {
    for (const name of ['wikicast-ingest', 'wikicast-edge']) {
      for (const rule of policyOf(name).ingress) {
        assert.ok(rule.from && rule.from.length > 0, `${name}: every rule names who`);
        for (const peer of rule.from) assert.ok(podsOf(peer) === 'wikicast-haproxy' || isMonitoring(peer), `${name} admits ${JSON.stringify(peer)}`);
      }
      assert.ok(policyOf(name).ingress.some((r) => r.from?.some((p) => podsOf(p) === 'wikicast-haproxy')), `${name} admits HAProxy`);
    }
  });

  it("let only the services reach RabbitMQ's client ports, and its nodes each other", () => {
    for (const rule of policyOf('wikicast-rabbitmq').ingress) {
      const peers = (rule.from ?? []).map((p) => podsOf(p) ?? (isMonitoring(p) ? 'monitoring' : JSON.stringify(p)));
      const ports = (rule.ports ?? []).map((p) => p.port);
      if (ports.includes(5672) || ports.includes(5671)) assert.deepEqual(peers.sort(), ['wikicast-edge', 'wikicast-ingest']);
      else if (rule.ports === undefined) assert.deepEqual(peers, ['wikicast-rabbitmq'], 'all ports only among the nodes');
      else assert.ok(ports.every((p) => p === 15672 || p === 15692), `RabbitMQ rule for ${peers.join(', ')} on ${ports.join(', ')}`);
    }
  });

  it('keep every scraped port reachable from the monitoring namespace', () => {
    for (const monitor of manifests.filter((m) => m.kind === 'ServiceMonitor') as Any[]) {
      const service = manifests.find((m) => m.kind === 'Service' && selects(monitor.spec.selector.matchLabels, m.metadata.labels ?? {})) as Any;
      // RabbitMQ's Service is the operator's: its `prometheus` port is the pods' own.
      const w = service ? selected(service.spec.selector)[0]! : workloads.find((x) => x.name === 'wikicast-rabbitmq')!;
      for (const endpoint of monitor.spec.endpoints) {
        const targetPort = service ? service.spec.ports.find((p: { name: string }) => p.name === endpoint.port).targetPort : endpoint.port;
        const port = containerPort(w, { port: targetPort });
        assert.ok(port !== undefined, `${monitor.metadata.name} scrapes a port ${w.name} listens on`);
        const open = policyOf(w.name).ingress.some((r) => r.from?.some(isMonitoring) && r.ports?.some((p) => containerPort(w, p) === port));
        assert.ok(open, `${monitor.metadata.name}: Prometheus may reach ${w.name}:${port}`);
      }
    }
  });

  it('let the services out only to DNS and what they call: RabbitMQ; HAProxy to ingest and the edges', () => {
    const needs: Record<string, string[]> = { 'wikicast-ingest': ['wikicast-rabbitmq'], 'wikicast-edge': ['wikicast-rabbitmq'], 'wikicast-haproxy': ['wikicast-ingest', 'wikicast-edge'] };
    for (const [name, callees] of Object.entries(needs)) {
      const reached: string[] = [];
      let dns = false;
      for (const rule of policyOf(name).egress) {
        const peers = rule.to ?? [];
        if (peers.length === 1 && peers[0]!.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') {
          assert.deepEqual((rule.ports ?? []).map((p) => `${p.port}/${p.protocol}`).sort(), ['53/TCP', '53/UDP']);
          dns = true;
          continue;
        }
        for (const peer of peers) {
          const callee = podsOf(peer);
          assert.ok(callee !== undefined, `${name}: egress peer ${JSON.stringify(peer)} is a workload here`);
          const w = workloads.find((x) => x.name === callee)!;
          for (const port of rule.ports ?? []) assert.ok(containerPort(w, port) !== undefined, `${name} → ${callee}:${port.port} is a port it listens on`);
          reached.push(callee);
        }
      }
      assert.ok(dns, `${name} may ask the cluster DNS`);
      assert.deepEqual(reached.sort(), [...callees].sort(), `${name} reaches exactly what it calls`);
    }
  });

  it('admit the internal entry only from labelled producer pods, never from everywhere', () => {
    const haproxy = workloads.find((w) => w.name === 'wikicast-haproxy')!;
    const internal = haproxy.ports.find((p) => p.name === 'internal')?.containerPort;
    assert.equal(internal, 8081);
    const rules = policyOf('wikicast-haproxy').ingress.filter((r) => r.ports?.some((p) => containerPort(haproxy, p) === internal));
    assert.ok(rules.length > 0);
    for (const rule of rules) {
      assert.ok(rule.from && rule.from.length > 0, 'the internal port names who may reach it');
      for (const peer of rule.from) assert.equal(peer.podSelector?.matchLabels?.['wikicast/producer'], 'true');
    }
  });
});
