import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import pino from 'pino';
import { Broker, ConfigError, readAmqpTls, readCommonConfig } from '../src/index.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wikicast-amqp-tls-'));
const file = (name: string): string => join(dir, name);
const AMQPS = ['amqps://u:p@127.0.0.1:5671'];

/** A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA. */
before(async () => {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  for (const [name, cn, ext] of [['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'], ['client', 'wikicast-ingest', 'extendedKeyUsage=clientAuth']] as const) {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`)]);
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    await run('openssl', ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`)]);
  }
  writeFileSync(file('garbage.pem'), 'not a certificate\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readAmqpTls', () => {
  it('is empty without settings: amqps:// then uses the system CAs', () => {
    assert.deepEqual(readAmqpTls({}, AMQPS), {});
    assert.deepEqual(readCommonConfig({ WIKICAST_WIKIS_FILE: '/w.json' }, 1).amqpTls, {});
  });

  it('reads the CA and the client certificate and key', () => {
    const tls = readAmqpTls({ WIKICAST_AMQP_CA_FILE: file('ca.pem'), WIKICAST_AMQP_CERT_FILE: file('client.pem'), WIKICAST_AMQP_KEY_FILE: file('client.key') }, AMQPS);
    assert.deepEqual(tls.ca, readFileSync(file('ca.pem')));
    assert.deepEqual(tls.cert, readFileSync(file('client.pem')));
    assert.deepEqual(tls.key, readFileSync(file('client.key')));
  });

  const bad: Array<[string, () => Record<string, string>, string, string]> = [
    ['a TLS setting with amqp://', () => ({ AMQP_URL: 'amqp://127.0.0.1', WIKICAST_AMQP_CA_FILE: file('ca.pem') }), 'WIKICAST_AMQP_CA_FILE', 'amqps://'],
    ['a missing file', () => ({ WIKICAST_AMQP_CA_FILE: file('missing.pem') }), 'WIKICAST_AMQP_CA_FILE', 'ENOENT'],
    ['a CA file that is not a certificate', () => ({ WIKICAST_AMQP_CA_FILE: file('garbage.pem') }), 'WIKICAST_AMQP_CA_FILE', 'not a PEM certificate'],
    ['a key that is not a key', () => ({ WIKICAST_AMQP_CERT_FILE: file('client.pem'), WIKICAST_AMQP_KEY_FILE: file('client.pem') }), 'WIKICAST_AMQP_KEY_FILE', 'private key'],
    ['a certificate without its key', () => ({ WIKICAST_AMQP_CERT_FILE: file('client.pem') }), 'WIKICAST_AMQP_KEY_FILE', 'both'],
  ];
  for (const [what, env, key, message] of bad) {
    it(`refuses ${what} at start, naming ${key}`, () => {
      const full = { WIKICAST_WIKIS_FILE: '/w.json', AMQP_URL: AMQPS.join(','), ...env() };
      assert.throws(() => readCommonConfig(full, 1), (err: unknown) => err instanceof ConfigError && err.key === key && err.message.includes(message));
    });
  }
});

/**
 * The settings reach the TLS handshake. A TLS server stands in for RabbitMQ (no TLS listener on
 * the machine's broker, which these tests must not reconfigure): it requires a client
 * certificate from the CA, and the handshake is all that is checked.
 */
describe('Broker over amqps://', () => {
  it('verifies the broker with the CA file and presents the client certificate', { timeout: 10_000 }, async () => {
    const server = createServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), ca: readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true });
    const client = new Promise<string>((resolve) =>
      server.on('secureConnection', (socket: TLSSocket) => {
        resolve(String(socket.getPeerCertificate().subject?.CN));
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const tls = readAmqpTls({ WIKICAST_AMQP_CA_FILE: file('ca.pem'), WIKICAST_AMQP_CERT_FILE: file('client.pem'), WIKICAST_AMQP_KEY_FILE: file('client.key') }, AMQPS);
    const broker = new Broker({ urls: [`amqps://u:p@127.0.0.1:${port}`], tls, connectionName: 'amqp-tls-test', logger: pino({ level: 'silent' }), setup: async () => {} });
    try {
      await broker.start();
      assert.equal(await client, 'wikicast-ingest');
    } finally {
      await broker.close();
      server.close();
    }
  });
});
