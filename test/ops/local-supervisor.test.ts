import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '@wikicast/test/support';
import { SupervisedProcess, type RestartPolicy } from '../../deploy/local/supervisor.js';

/** The local cluster's process supervision (deploy/local/supervisor.ts), with real child processes. */
const dir = mkdtempSync(join(tmpdir(), 'wikicast-supervisor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FAST: RestartPolicy = { initialDelayMs: 20, maxDelayMs: 80, healthyAfterMs: 5_000, maxQuickDeaths: 3 };

function supervised(name: string, script: string, policy: RestartPolicy = FAST) {
  const lines: string[] = [];
  const gaveUp: string[] = [];
  const logPath = join(dir, `${name}.log`);
  const process_ = new SupervisedProcess(
    { name, command: process.execPath, args: ['-e', script], env: {}, cwd: dir, logPath },
    { say: (line) => lines.push(line), gaveUp: (n) => gaveUp.push(n) },
    policy,
  );
  return { process: process_, lines, gaveUp, logPath };
}

describe('SupervisedProcess', () => {
  it('restarts a process that keeps dying with a doubling delay, then gives up on it', async () => {
    const s = supervised('crasher', 'console.log("started"); process.exit(3)');
    s.process.start();
    await waitFor('the supervisor to give up', () => s.gaveUp.length > 0, { timeoutMs: 10_000 });
    assert.deepEqual(s.gaveUp, ['crasher']);
    const delays = s.lines.map((l) => /restarting it in ([\d.]+) s/.exec(l)?.[1]).filter((d) => d !== undefined);
    assert.deepEqual(delays, ['0.02', '0.04', '0.08'], s.lines.join('\n'));
    assert.match(s.lines.at(-1)!, /crasher exited \(code 3\) 4 times in a row within 5 s of starting; giving up on it/);
    assert.equal(s.lines.filter((l) => /crasher restarted \(pid \d+\)/.test(l)).length, 3);
    assert.equal(s.process.running, false);
    await s.process.stop(1_000);
    const log = readFileSync(s.logPath, 'utf8');
    assert.equal(log.match(/^started$/gm)?.length, 4, 'the output of every run goes to the log');
    assert.match(log, /\[cluster\] .* giving up on it/);
  });

  it('a process that ran long enough before dying starts the count afresh', async () => {
    const s = supervised('steady', 'setTimeout(() => process.exit(1), 150)', { ...FAST, healthyAfterMs: 100, maxQuickDeaths: 1 });
    s.process.start();
    await waitFor('three restarts', () => s.lines.filter((l) => l.includes('restarted')).length >= 3, { timeoutMs: 10_000 });
    await s.process.stop(1_000);
    assert.deepEqual(s.gaveUp, []);
    assert.ok(s.lines.filter((l) => l.includes('restarting it in 0.02 s')).length >= 3, s.lines.join('\n'));
  });

  it('stop() ends the process with SIGTERM and no restart follows', async () => {
    const s = supervised('server', 'setInterval(() => {}, 1000)');
    s.process.start();
    assert.ok(s.process.pid !== null);
    await s.process.stop(5_000);
    assert.equal(s.process.running, false);
    assert.deepEqual(s.lines, []);
  });
});
