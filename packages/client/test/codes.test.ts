import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CloseCode as ProtocolCloseCode, INGEST_AUDIENCE } from '@wikicast/protocol';
import { INGEST_AUDIENCE as CLI_INGEST_AUDIENCE } from '../src/cli/send-command.node.js';
import { CloseCode, ErrorCode, ReasonCode, reasonForClose } from '../src/codes.js';
import { State } from '../src/state.js';

const doc = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');

test("the client's close codes are the protocol's (copied to keep the schema library out of the bundle)", () => {
  for (const [name, code] of Object.entries(ProtocolCloseCode)) {
    assert.equal((CloseCode as Record<string, number>)[name], code, name);
  }
});

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

test("the CLI's ingest audience is the protocol's", () => {
  assert.equal(CLI_INGEST_AUDIENCE, INGEST_AUDIENCE);
});
