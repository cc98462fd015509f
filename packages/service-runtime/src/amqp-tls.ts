import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ConfigError } from './config-error.js';
import { envString, type Env } from './env.js';

/**
 * TLS to RabbitMQ beyond what an `amqps://` URL gives by itself (the system's CAs, no client
 * certificate): a private CA and a client certificate, read once at start. The result is
 * passed to amqplib as socket options, which it hands to `tls.connect` for `amqps:` URLs.
 */
export interface AmqpTlsOptions {
  /** PEM CA certificates the broker's certificate must chain to, instead of the system's. */
  ca?: Buffer;
  /** PEM client certificate and its key, for brokers that require one (`ssl_options.verify`). */
  cert?: Buffer;
  key?: Buffer;
}

export const AMQP_TLS_KEYS = ['WIKICAST_AMQP_CA_FILE', 'WIKICAST_AMQP_CERT_FILE', 'WIKICAST_AMQP_KEY_FILE'] as const;

export function readAmqpTls(env: Env, amqpUrls: readonly string[]): AmqpTlsOptions {
  const caFile = envString(env, 'WIKICAST_AMQP_CA_FILE', '');
  const certFile = envString(env, 'WIKICAST_AMQP_CERT_FILE', '');
  const keyFile = envString(env, 'WIKICAST_AMQP_KEY_FILE', '');
  const given = AMQP_TLS_KEYS.filter((key) => envString(env, key, '') !== '');
  if (given.length === 0) return {};
  // A TLS setting with a plain URL would be ignored silently: the operator meant TLS.
  if (amqpUrls.some((url) => new URL(url).protocol !== 'amqps:')) throw new ConfigError(given[0]!, 'needs amqps:// in every AMQP_URL (TLS settings do nothing on amqp://)');
  if ((certFile === '') !== (keyFile === '')) {
    throw new ConfigError(certFile === '' ? 'WIKICAST_AMQP_CERT_FILE' : 'WIKICAST_AMQP_KEY_FILE', 'a client certificate needs both WIKICAST_AMQP_CERT_FILE and WIKICAST_AMQP_KEY_FILE');
  }
  const options: AmqpTlsOptions = {};
  if (caFile !== '') options.ca = readPem('WIKICAST_AMQP_CA_FILE', caFile, (pem) => new X509Certificate(pem));
  if (certFile !== '') options.cert = readPem('WIKICAST_AMQP_CERT_FILE', certFile, (pem) => new X509Certificate(pem));
  if (keyFile !== '') options.key = readPem('WIKICAST_AMQP_KEY_FILE', keyFile, (pem) => createPrivateKey(pem));
  return Object.freeze(options);
}

/** The file's bytes, once `parse` accepted them: a bad file stops the service at start, not at connect. */
function readPem(key: string, path: string, parse: (pem: Buffer) => unknown): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    parse(pem);
  } catch (err) {
    throw new ConfigError(key, `${path} is not a PEM ${key.endsWith('KEY_FILE') ? 'private key' : 'certificate'}`, { cause: err });
  }
  return pem;
}
