import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { KEEP_ALIVE_TICK_MS, KeepAlive } from '../src/transport/keep-alive.js';
import type { Session } from '../src/session.js';
import { RecordingSink, session } from './unit-fixtures.js';

const PERIOD_MS = 10_000;
const TICKS_PER_PERIOD = PERIOD_MS / KEEP_ALIVE_TICK_MS;

function pingsOf(sessions: Iterable<Session>): number[] {
  return [...sessions].map((s) => (s.sink as RecordingSink).pings);
}

test('every connection is pinged once per period, a slice per tick rather than all at once', () => {
  const sessions = new Set(Array.from({ length: 1_000 }, () => session()));
  const keepAlive = new KeepAlive(() => sessions, PERIOD_MS, (s: Session) => s.sink.keepAlive());
  const perTick: number[] = [];
  for (let tick = 0; tick < TICKS_PER_PERIOD; tick++) {
    const before = pingsOf(sessions).reduce((a, b) => a + b, 0);
    keepAlive.tick();
    perTick.push(pingsOf(sessions).reduce((a, b) => a + b, 0) - before);
  }
  assert.deepEqual(new Set(pingsOf(sessions)), new Set([1]), 'each connection pinged exactly once in the period');
  assert.equal(Math.max(...perTick), Math.ceil((1_000 * KEEP_ALIVE_TICK_MS) / PERIOD_MS), 'no tick pings more than its share');
});

test('the round continues across ticks in arrival order; late arrivals and departures are handled', () => {
  const first = Array.from({ length: 100 }, () => session());
  const sessions = new Set(first);
  const keepAlive = new KeepAlive(() => sessions, PERIOD_MS, (s: Session) => s.sink.keepAlive());
  for (let tick = 0; tick < TICKS_PER_PERIOD / 2; tick++) keepAlive.tick();
  const pinged = first.filter((s) => (s.sink as RecordingSink).pings === 1);
  assert.deepEqual(pinged, first.slice(0, pinged.length), 'the first half of the round went to the earliest connections');
  // One that was not reached yet leaves, a newcomer arrives: the round goes on without either mishap.
  const leaving = first.at(-1)!;
  sessions.delete(leaving);
  const newcomer = session();
  sessions.add(newcomer);
  for (let tick = 0; tick < TICKS_PER_PERIOD / 2 + 1; tick++) keepAlive.tick();
  assert.equal((leaving.sink as RecordingSink).pings, 0);
  assert.equal((newcomer.sink as RecordingSink).pings, 1);
  for (const s of first.slice(0, -1)) assert.ok((s.sink as RecordingSink).pings >= 1);
});
