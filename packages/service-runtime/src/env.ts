import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Typed readers for environment variables; each failure names its key. */
export function envString(env: Env, key: string, fallback: string): string {
  const value = env[key];
  if (value === undefined || value === '') return fallback;
  return value;
}

export function envRequired(env: Env, key: string): string {
  const value = env[key];
  if (value === undefined || value === '') throw new ConfigError(key, 'is required');
  return value;
}

export function envInt(env: Env, key: string, fallback: number, range: { min: number; max: number }): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(key, `must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number.parseInt(raw, 10);
  if (value < range.min || value > range.max) {
    throw new ConfigError(key, `must be between ${range.min} and ${range.max}, got ${value}`);
  }
  return value;
}

export function envBool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(key, `must be true or false, got ${JSON.stringify(raw)}`);
}

export function envEnum<T extends string>(env: Env, key: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

export function envUrl(env: Env, key: string, fallback: string, protocols: readonly string[]): string {
  return checkedUrl(key, envString(env, key, fallback), protocols);
}

/** A comma-separated list of URLs, e.g. one per node of a cluster; empty entries are refused. */
export function envUrlList(env: Env, key: string, fallback: string, protocols: readonly string[]): string[] {
  const entries = envString(env, key, fallback).split(',').map((entry) => entry.trim());
  entries.forEach((entry, i) => {
    if (entry === '') throw new ConfigError(key, `entry ${i + 1} of the comma-separated list is empty`);
  });
  return entries.map((entry) => checkedUrl(key, entry, protocols));
}

function checkedUrl(key: string, raw: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new ConfigError(key, `is not a URL: ${JSON.stringify(raw)}`, { cause: err });
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(key, `must use ${protocols.join(' or ')}, got ${url.protocol}`);
  }
  return raw;
}
