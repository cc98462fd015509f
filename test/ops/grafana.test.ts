import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT, waitFor } from '@wikicast/test/support';
import { stringify } from 'yaml';
import { isKnownMetric, metricNames, SPEC_METRICS } from './promql.js';
import { ensurePromtool } from './tools.js';

/** deploy/grafana/wikicast.json: a dashboard whose every query is valid PromQL over metrics that exist. */
const run = promisify(execFile);
const DASHBOARD_PATH = join(REPO_ROOT, 'deploy/grafana/wikicast.json');

interface Target {
  expr: string;
  refId: string;
  legendFormat?: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Grafana's variables replaced by values Prometheus accepts, so promtool can parse the query. */
function asPromQL(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?(\w+)\}?/g, '.+');
}

describe('Grafana dashboard', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'wikicast-grafana-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('has a stable uid, unique panel ids and a layout without overlaps', () => {
    assert.equal(dashboard.uid, 'wikicast');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `${p.title} fits the 24-column grid`);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          const cell = `${row}:${col}`;
          assert.ok(!cells.has(cell), `${p.title} overlaps another panel at ${cell}`);
          cells.add(cell);
        }
      }
    }
  });

  it('queries the datasource the importer chooses', () => {
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
    for (const p of panels) {
      assert.equal(p.datasource?.uid, '${datasource}', p.title);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
    }
  });

  it('names only SPEC metrics, process metrics, and the HAProxy and RabbitMQ exporters', () => {
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${panel}: ${expr} reads a metric`);
      assert.deepEqual(names.filter((n) => !isKnownMetric(n)), [], `${panel}: ${expr}`);
    }
  });

  it('shows every SPEC metric and HAProxy backend sessions', () => {
    const used = new Set(exprs.flatMap(({ expr }) => metricNames(expr)));
    for (const name of [...SPEC_METRICS.counters, ...SPEC_METRICS.gauges]) assert.ok(used.has(name), name);
    for (const name of SPEC_METRICS.histograms) assert.ok(used.has(`${name}_bucket`), name);
    assert.ok(used.has('haproxy_backend_current_sessions'));
  });

  describe('with promtool', () => {
    before(ensurePromtool, { timeout: 280_000 });

    it('every query is valid PromQL', async () => {
      // promtool parses rule files offline: one recording rule per query.
      const rules = { groups: [{ name: 'dashboard', rules: exprs.map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr: asPromQL(expr) })) }] };
      const file = join(scratch, 'dashboard-rules.yml');
      writeFileSync(file, stringify(rules));
      const { stdout } = await run('promtool', ['check', 'rules', file]).catch((err: { stdout: string; stderr: string }) => {
        throw new Error(`a dashboard query does not parse:\n${err.stdout}${err.stderr}`);
      });
      assert.match(stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    });
  });

  it('names HAProxy metrics that its exporter really serves', { timeout: 20_000 }, async () => {
    const stats = await freePort();
    const child = spawn('haproxy', ['-db', '-f', join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg')], {
      env: {
        ...process.env,
        WIKICAST_HTTP_BIND: `127.0.0.1:${await freePort()}`,
        WIKICAST_STATS_BIND: `127.0.0.1:${stats}`,
        WIKICAST_INGEST_ADDR: `127.0.0.1:${await freePort()}`,
        WIKICAST_EDGE1_ADDR: `127.0.0.1:${await freePort()}`,
        WIKICAST_EDGE2_ADDR: `127.0.0.1:${await freePort()}`,
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let text = '';
      await waitFor('the HAProxy exporter', async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${stats}/metrics`);
          text = await response.text();
          return response.ok;
        } catch (err) {
          if (err instanceof TypeError) return false; // not listening yet
          throw err;
        }
      });
      const served = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      const rules = readFileSync(join(REPO_ROOT, 'deploy/prometheus/wikicast-rules.yml'), 'utf8');
      const named = [...exprs.map(({ expr }) => expr), rules].flatMap((e) => metricNames(e)).filter((n) => n.startsWith('haproxy_'));
      assert.ok(named.length > 0);
      assert.deepEqual([...new Set(named)].filter((n) => !served.has(n)), []);
      for (const proxy of ['wikicast', 'edges', 'ingest']) assert.match(text, new RegExp(`proxy="${proxy}"`), `the exporter labels proxy ${proxy}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
