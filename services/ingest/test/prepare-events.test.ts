import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { prepareEvents, type PrepareContext } from '../src/prepare-events.js';

const context: PrepareContext = {
  wiki: 'demo',
  isKnownWiki: (id) => id === 'demo' || id === 'other',
  newId: () => '01900000-0000-7000-8000-00000000000a',
  now: () => new Date('2026-11-22T10:00:00.000Z'),
};

it('resolves one event: wiki, scoped topic, generated id and ts, SPEC field order', () => {
  const result = prepareEvents({ topic: 'FooDataChanged', type: 'FooDataChanged', msg: { a: 1 }, to: ['WS1'] }, context);
  assert.equal(result.batch, false);
  assert.deepEqual(result.invalid, []);
  const event = result.events[0]!.event;
  assert.deepEqual(Object.keys(event), ['id', 'wiki', 'topic', 'type', 'msg', 'to', 'ts']);
  assert.deepEqual(event, { id: context.newId(), wiki: 'demo', topic: 'demo:FooDataChanged', type: 'FooDataChanged', msg: { a: 1 }, to: ['WS1'], ts: '2026-11-22T10:00:00.000Z' });
  assert.equal(prepareEvents({ topic: 'mywiki:42:UpdateComments', type: 't' }, context).events[0]!.event.topic, 'demo:mywiki:42:UpdateComments', 'a non-wiki prefix is a bare name');
});

it('reports each refused event of a batch with index, code, field and reason', () => {
  const result = prepareEvents(
    [
      { topic: 'ok', type: 'ok' },
      { topic: 'x', type: 't', msg: 1, audience: { users: 'Alice' } },
      { topic: 'other:news', type: 't' },
      { wiki: 'other', topic: 'x', type: 't' },
      { topic: 'has space', type: 't' },
      'not an object',
    ],
    context,
  );
  assert.equal(result.batch, true);
  assert.equal(result.count, 6);
  assert.deepEqual(result.events.map((e) => e.index), [0]);
  assert.deepEqual(
    result.invalid.map(({ index, code, field }) => [index, code, field]),
    [
      [1, 'invalid_event', 'audience.users'],
      [2, 'foreign_topic', 'topic'],
      [3, 'forbidden', 'wiki'],
      [4, 'invalid_topic', 'topic'],
      [5, 'invalid_event', ''],
    ],
  );
  assert.match(result.invalid[0]!.message, /"audience\.users"/);
});
