import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TTL_S, parseCommand, parseMessage } from '../src/cli/args.node.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';

const usageError = (argv: string[], pattern: RegExp) =>
  assert.throws(() => parseCommand(argv), (err: unknown) => err instanceof CliError && err.exitCode === ExitCode.usage && pattern.test(err.message));

test('token: every claim option, lists comma-separated or repeated', () => {
  const parsed = parseCommand(['token', '--wiki', 'demo', '--user', 'Alice', '--groups', 'sysop,bot', '--groups', 'x', '--send', 'demo:*', '--ttl', '60', '--aud', 'ingest', '--cid', 'C1']);
  assert.deepEqual(parsed, {
    command: 'token',
    token: { wiki: 'demo', user: 'Alice', groups: ['sysop', 'bot', 'x'], send: ['demo:*'], ttlS: 60, aud: 'ingest', cid: 'C1' },
  });
  assert.deepEqual(parseCommand(['token', '--wiki', 'demo']), { command: 'token', token: { wiki: 'demo', ttlS: DEFAULT_TTL_S } });
});

test('send: topic and type default to each other; --msg is JSON when it parses, else text', () => {
  const parsed = parseCommand(['send', '--wiki', 'demo', '--topic', 'demo:news', '--type', 'T', '--msg', '{"a":[1]}', '--to', 'WS1,WS2']);
  assert.deepEqual(parsed, { command: 'send', token: { wiki: 'demo', ttlS: DEFAULT_TTL_S }, topic: 'demo:news', type: 'T', msg: { a: [1] }, to: ['WS1', 'WS2'], timeoutS: 10 });
  const seedStyle = parseCommand(['send', '--wiki', 'demo', '--type', 'FooDataChanged']);
  assert.equal(seedStyle.command === 'send' && seedStyle.topic, 'FooDataChanged');
  assert.equal(seedStyle.command === 'send' && seedStyle.msg, undefined);
  assert.equal(parseMessage('hello world'), 'hello world');
  assert.equal(parseMessage('42'), 42);
  assert.equal(parseMessage('"quoted"'), 'quoted');
  assert.equal(parseMessage('{broken'), '{broken');
});

test('tail: topics, since, count', () => {
  assert.deepEqual(parseCommand(['tail', '--wiki', 'demo', '--topics', 'demo:a,demo:b', '--since', '1z.0a0b0c0d', '--count', '3']), {
    command: 'tail',
    token: { wiki: 'demo', ttlS: DEFAULT_TTL_S },
    topics: ['demo:a', 'demo:b'],
    since: '1z.0a0b0c0d',
    count: 3,
  });
});

test('tail: --since takes a time as well as a cursor, and nothing else', () => {
  for (const since of ['2026-12-03T10:00:00Z', '1764756000000']) {
    const parsed = parseCommand(['tail', '--wiki', 'demo', '--topics', 'demo:a', '--since', since]);
    assert.equal(parsed.command === 'tail' ? parsed.since : null, since);
  }
  usageError(['tail', '--wiki', 'demo', '--topics', 'demo:a', '--since', 'yesterday'], /--since must be a cursor .*, an ISO-8601 time/);
});

test('usage errors name the problem', () => {
  usageError(['frobnicate'], /unknown command "frobnicate"/);
  usageError(['token'], /--wiki is required/);
  usageError(['token', '--wiki', 'demo', '--bogus'], /bogus/);
  usageError(['token', '--wiki', 'demo', 'extra'], /extra/);
  usageError(['token', '--wiki', 'demo', '--ttl', '0'], /--ttl must be a positive whole number, not "0"/);
  usageError(['token', '--wiki', 'demo', '--ttl', 'abc'], /--ttl must be a positive whole number/);
  usageError(['send', '--wiki', 'demo'], /--topic \(or --type\) is required/);
  usageError(['tail', '--wiki', 'demo'], /--topics is required/);
  usageError(['tail', '--wiki', 'demo', '--topics', 'x', '--count', '1.5'], /--count/);
});

test('help: for the command, and for each command', () => {
  assert.deepEqual(parseCommand([]), { command: 'help', topic: 'main' });
  assert.deepEqual(parseCommand(['--help']), { command: 'help', topic: 'main' });
  assert.deepEqual(parseCommand(['help', 'send']), { command: 'help', topic: 'send' });
  assert.deepEqual(parseCommand(['tail', '--help']), { command: 'help', topic: 'tail' });
  assert.deepEqual(parseCommand(['token', '-h']), { command: 'help', topic: 'token' });
});
