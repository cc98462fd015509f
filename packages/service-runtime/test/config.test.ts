import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConfigError, envBool, envInt, readCommonConfig } from '../src/index.js';

describe('environment readers', () => {
  it('name the key in every error', () => {
    assert.throws(() => envInt({ N: 'ten' }, 'N', 1, { min: 0, max: 5 }), (err: unknown) => err instanceof ConfigError && err.key === 'N' && /whole number/.test(err.message));
    assert.throws(() => envInt({ N: '9' }, 'N', 1, { min: 0, max: 5 }), /N: must be between 0 and 5/);
    assert.throws(() => envBool({ B: 'perhaps' }, 'B', false), /B: must be true or false/);
  });
  it('use defaults for absent or empty values', () => {
    assert.equal(envInt({}, 'N', 3, { min: 0, max: 5 }), 3);
    assert.equal(envInt({ N: '' }, 'N', 3, { min: 0, max: 5 }), 3);
    assert.equal(envBool({ B: 'yes' }, 'B', false), true);
  });
});

describe('readCommonConfig', () => {
  const base = { WIKICAST_WIKIS_FILE: '/tmp/wikis.json' };
  it('applies SPEC defaults', () => {
    const config = readCommonConfig(base, 8100);
    assert.deepEqual(config.amqpUrls, ['amqp://guest:guest@127.0.0.1:5672']);
    assert.equal(config.streamReplicas, 3);
    assert.equal(config.amqpPrefix, 'wikicast');
    assert.equal(config.port, 8100);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.streamMaxAge, '7D');
  });
  it('takes a comma-separated list of nodes in AMQP_URL, in order', () => {
    const config = readCommonConfig({ ...base, AMQP_URL: 'amqp://u:p@rmq-0:5672, amqp://u:p@rmq-1:5672,amqps://u:p@rmq-2:5671' }, 1);
    assert.deepEqual(config.amqpUrls, ['amqp://u:p@rmq-0:5672', 'amqp://u:p@rmq-1:5672', 'amqps://u:p@rmq-2:5671']);
  });
  const bad: Array<[Record<string, string>, string]> = [
    [{}, 'WIKICAST_WIKIS_FILE'],
    [{ ...base, AMQP_URL: 'http://x' }, 'AMQP_URL'],
    [{ ...base, AMQP_URL: 'not a url' }, 'AMQP_URL'],
    [{ ...base, AMQP_URL: 'amqp://a:5672,,amqp://b:5672' }, 'AMQP_URL'],
    [{ ...base, AMQP_URL: 'amqp://a:5672,http://b' }, 'AMQP_URL'],
    [{ ...base, WIKICAST_STREAM_REPLICAS: '0' }, 'WIKICAST_STREAM_REPLICAS'],
    [{ ...base, PORT: '70000' }, 'PORT'],
    [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...base, WIKICAST_AMQP_PREFIX: 'has space' }, 'WIKICAST_AMQP_PREFIX'],
    [{ ...base, WIKICAST_STREAM_MAX_AGE: 'a week' }, 'WIKICAST_STREAM_MAX_AGE'],
  ];
  for (const [env, key] of bad) {
    it(`refuses a bad ${key}, naming it`, () => {
      assert.throws(() => readCommonConfig(env, 1), (err: unknown) => err instanceof ConfigError && err.key === key);
    });
  }
});
