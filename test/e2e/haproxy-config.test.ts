import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@wikicast/test/support';

const run = promisify(execFile);

it('deploy/haproxy/haproxy.cfg passes haproxy -c', async () => {
  const { stdout, stderr } = await run('haproxy', ['-c', '-f', `${REPO_ROOT}/deploy/haproxy/haproxy.cfg`]);
  assert.match(stdout + stderr, /Configuration file is valid/);
  assert.doesNotMatch(stdout + stderr, /\[WARNING\]/);
});
