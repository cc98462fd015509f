import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReasonCode } from '../src/codes.js';
import { nextStep, type ReconnectContext } from '../src/reconnect-policy.js';

const ctx = (overrides: Partial<ReconnectContext> = {}): ReconnectContext => ({
  attempts: 0,
  authFailures: 0,
  canRefreshToken: true,
  backoff: { baseMs: 1000, maxMs: 8000 },
  rateLimitDelayMs: 5000,
  maxAuthFailures: 3,
  random: () => 0.5,
  ...overrides,
});

test('a plain loss retries after full-jitter backoff, growing with attempts', () => {
  assert.deepEqual(nextStep(ReasonCode.transportClosed, ctx()), { action: 'retry', delayMs: 500, refreshToken: false });
  assert.deepEqual(nextStep(ReasonCode.transportClosed, ctx({ attempts: 2 })), { action: 'retry', delayMs: 2000, refreshToken: false });
  assert.deepEqual(nextStep(ReasonCode.tooSlow, ctx({ attempts: 9 })), { action: 'retry', delayMs: 4000, refreshToken: false });
});

test('1012 (restart) reconnects at once, the first time in a row only', () => {
  assert.deepEqual(nextStep(ReasonCode.serverRestarting, ctx()), { action: 'retry', delayMs: 0, refreshToken: false });
  assert.deepEqual(nextStep(ReasonCode.serverRestarting, ctx({ attempts: 1 })), { action: 'retry', delayMs: 1000, refreshToken: false });
});

test('4001 (expired) reconnects at once with a fresh token, or gives up without getToken', () => {
  assert.deepEqual(nextStep(ReasonCode.tokenExpired, ctx()), { action: 'retry', delayMs: 0, refreshToken: true });
  assert.deepEqual(nextStep(ReasonCode.tokenExpired, ctx({ canRefreshToken: false })), { action: 'give-up' });
});

test('1008 (refused) retries with a fresh token and backoff, and gives up after maxAuthFailures', () => {
  assert.deepEqual(nextStep(ReasonCode.authRefused, ctx({ authFailures: 1 })), { action: 'retry', delayMs: 500, refreshToken: true });
  assert.deepEqual(nextStep(ReasonCode.authRefused, ctx({ authFailures: 3 })), { action: 'give-up' });
  assert.deepEqual(nextStep(ReasonCode.authRefused, ctx({ canRefreshToken: false })), { action: 'give-up' });
});

test('4008 (rate limited) adds a fixed delay to the backoff', () => {
  assert.deepEqual(nextStep(ReasonCode.rateLimited, ctx()), { action: 'retry', delayMs: 5500, refreshToken: false });
});

test('offline waits for online instead of retrying', () => {
  assert.deepEqual(nextStep(ReasonCode.offline, ctx({ attempts: 4 })), { action: 'wait-online' });
});
