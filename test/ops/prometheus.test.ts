import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@wikicast/test/support';
import { parse } from 'yaml';
import { isKnownMetric, metricNames, SERVICE_METRICS, SPEC_METRICS } from './promql.js';
import { ensurePromtool } from './tools.js';

/** deploy/prometheus/wikicast-rules.yml: valid, unit-tested with promtool, over metrics that exist. */
const run = promisify(execFile);
const DIR = join(REPO_ROOT, 'deploy/prometheus');
const RULES = join(DIR, 'wikicast-rules.yml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups;
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

describe('alert rules', () => {
  before(ensurePromtool, { timeout: 280_000 });

  it('pass promtool check rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', RULES]);
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests', async () => {
    const { stdout, stderr } = await run('promtool', ['test', 'rules', 'wikicast-rules.test.yml'], { cwd: DIR }).catch((err: { stdout: string; stderr: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout}${err.stderr}`);
    });
    assert.match(stdout + stderr, /SUCCESS/);
  });

  it('each have a unit test that fires it', () => {
    const tests = readFileSync(join(DIR, 'wikicast-rules.test.yml'), 'utf8');
    const tested = parse(tests) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const fired = new Set(tested.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.deepEqual(alerts.map((a) => a.alert).filter((name) => !fired.has(name ?? '')), []);
  });

  it('cover what issue 7 asks: edge down, delivery lag, disconnect storms, ingest 503s, stream lag', () => {
    const names = alerts.map((a) => a.alert);
    for (const name of ['WikicastEdgeDown', 'WikicastDeliveryLagHigh', 'WikicastDisconnectStorm', 'WikicastIngestUnavailable', 'WikicastStreamLag']) assert.ok(names.includes(name), name);
  });

  it('cover what issue 14 asks: RabbitMQ unreachable, stream disk filling, HAProxy near maxconn, certificate expiry, ingest 401/403', () => {
    const names = alerts.map((a) => a.alert);
    for (const name of ['WikicastBrokerUnreachable', 'WikicastStreamDiskFilling', 'WikicastEntryNearMaxconn', 'WikicastCertificateExpiring', 'WikicastIngestRefusingCredentials']) assert.ok(names.includes(name), name);
  });

  it('each link their runbook: their own section of docs/operations.md', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
    // GitHub's heading anchors: lower case, punctuation other than "-" dropped, spaces to "-".
    const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => (m[1] ?? '').toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
    for (const a of alerts) {
      const url = a.annotations?.runbook_url ?? '';
      assert.equal(url, `docs/operations.md#${(a.alert ?? '').toLowerCase()}-${a.labels?.severity}`, `${a.alert} runbook_url`);
      assert.ok(anchors.has(url.split('#')[1] ?? ''), `${url} is a heading of docs/operations.md`);
    }
  });

  it('have a severity, a summary and a description', () => {
    for (const a of alerts) {
      assert.match(a.labels?.severity ?? '', /^(warning|critical)$/, `${a.alert} severity`);
      assert.ok(a.annotations?.summary && a.annotations.description, `${a.alert} annotations`);
    }
  });

  it('are each explained in docs/operations.md', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
    for (const a of alerts) assert.ok(doc.includes(`### \`${a.alert}\` (${a.labels?.severity})`), `docs/operations.md has a section for ${a.alert} with its severity`);
  });

  it('select scrape jobs that the ServiceMonitors make', () => {
    // The ServiceMonitors' jobs, and the Blackbox Probe's in overlays/example.
    const jobs = ['wikicast-edge', 'wikicast-ingest', 'wikicast-haproxy', 'wikicast-rabbitmq', 'wikicast-entry-tls'];
    for (const a of alerts) for (const [, job] of a.expr.matchAll(/job="([^"]+)"/g)) assert.ok(jobs.includes(job ?? ''), `${a.alert}: job ${job}`);
  });

  it('read only metrics that exist: SPEC names, process metrics, HAProxy and RabbitMQ exporters', () => {
    for (const a of alerts) {
      const unknown = metricNames(a.expr).filter((name) => !isKnownMetric(name));
      assert.deepEqual(unknown, [], `${a.alert} reads unknown metrics`);
    }
  });
});

describe('SPEC metrics', () => {
  it('are all defined by the services under the names the rules and dashboard use', () => {
    const defined = ['ingest', 'edge'].map((s) => readFileSync(join(REPO_ROOT, `services/${s}/src/metrics.ts`), 'utf8')).join('\n');
    for (const name of [...Object.values(SPEC_METRICS).flat(), ...SERVICE_METRICS]) assert.ok(defined.includes(`name: '${name}'`), `${name} is defined in services/*/src/metrics.ts`);
  });
});
