import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ErrorCode, ReasonCode, reasonForClose } from '../src/codes.js';
import { State } from '../src/state.js';

const doc = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');

test('each close code the server sends maps to its own reason', () => {
  assert.equal(reasonForClose(1008), ReasonCode.authRefused);
  assert.equal(reasonForClose(1012), ReasonCode.serverRestarting);
  assert.equal(reasonForClose(4001), ReasonCode.tokenExpired);
  assert.equal(reasonForClose(4008), ReasonCode.rateLimited);
  assert.equal(reasonForClose(4009), ReasonCode.tooSlow);
  assert.equal(reasonForClose(1009), ReasonCode.frameTooBig);
  assert.equal(reasonForClose(1006), ReasonCode.transportClosed);
});

test('every state, reason code and error code is documented in docs/client.md', () => {
  const codes = [...Object.values(State), ...Object.values(ReasonCode), ...Object.values(ErrorCode)];
  const missing = codes.filter((code) => !doc.includes(`\`${code}\``));
  assert.deepEqual(missing, []);
});
