import { parseArgs } from 'node:util';
import { decodeCursor, sinceTime } from '@wikicast/protocol';
import { CliError, ExitCode } from './exit-codes.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_TTL_S = 600;
export const DEFAULT_SEND_TIMEOUT_S = 10;

export interface TokenArgs {
  wiki: string;
  secret?: string;
  user?: string;
  groups?: string[];
  send?: string[];
  ttlS: number;
  aud?: string;
  cid?: string;
}

export type Command =
  | { command: 'help'; topic: 'main' | 'token' | 'send' | 'tail' }
  | { command: 'token'; token: TokenArgs }
  | { command: 'send'; token: TokenArgs; topic: string; type: string; msg: unknown; to?: string[]; timeoutS: number }
  | { command: 'tail'; token: TokenArgs; topics: string[]; since?: string; count?: number; anonymous?: boolean };

const tokenOptions = {
  wiki: { type: 'string' },
  secret: { type: 'string' },
  user: { type: 'string' },
  groups: { type: 'string', multiple: true },
  send: { type: 'string', multiple: true },
  ttl: { type: 'string' },
  cid: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const optionsByCommand = {
  token: { ...tokenOptions, aud: { type: 'string' } },
  send: { ...tokenOptions, topic: { type: 'string' }, type: { type: 'string' }, msg: { type: 'string' }, to: { type: 'string', multiple: true }, timeout: { type: 'string' } },
  tail: { ...tokenOptions, topics: { type: 'string', multiple: true }, since: { type: 'string' }, count: { type: 'string' }, anonymous: { type: 'boolean' } },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Parses `wikicast <command> [options]`; throws a usage `CliError` naming what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    return { command: 'help', topic: topic === 'token' || topic === 'send' || topic === 'tail' ? topic : 'main' };
  }
  if (name !== 'token' && name !== 'send' && name !== 'tail') throw usage(`unknown command "${name}" (token, send or tail)`);
  let values: Values;
  try {
    values = parseArgs({ args: [...rest], options: optionsByCommand[name], strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    throw usage(`${name}: ${(err as Error).message.split('\n')[0] ?? 'bad arguments'}`, err);
  }
  if (values.help === true) return { command: 'help', topic: name };
  const token = tokenArgs(name, values);
  if (name === 'token') return { command: 'token', token };
  if (name === 'send') {
    const topic = str(values.topic) ?? str(values.type);
    const type = str(values.type) ?? str(values.topic);
    if (topic === undefined || type === undefined) throw usage('send: --topic (or --type) is required');
    const to = list(values.to);
    const msg = values.msg === undefined ? undefined : parseMessage(String(values.msg));
    return { command: 'send', token, topic, type, msg, ...(to ? { to } : {}), timeoutS: positive('send', 'timeout', values.timeout, DEFAULT_SEND_TIMEOUT_S) };
  }
  const topics = list(values.topics);
  if (topics === undefined) throw usage('tail: --topics is required');
  const since = str(values.since);
  if (since !== undefined && decodeCursor(since) === null && sinceTime(since) === null) {
    throw usage(`tail: --since must be a cursor printed earlier, an ISO-8601 time with a zone (2026-12-03T10:00:00Z) or milliseconds since the epoch, not ${JSON.stringify(since)}`);
  }
  const count = values.count === undefined ? undefined : positive('tail', 'count', values.count, 1);
  const anonymous = values.anonymous === true ? { anonymous: true } : {};
  return { command: 'tail', token, topics, ...(since !== undefined ? { since } : {}), ...(count !== undefined ? { count } : {}), ...anonymous };
}

/** `--msg`: JSON when it parses as JSON (`{"a":1}`, `42`, `"quoted"`), else the text itself. */
export function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) return text;
    throw err;
  }
}

function tokenArgs(command: string, values: Values): TokenArgs {
  const wiki = str(values.wiki);
  if (wiki === undefined) throw usage(`${command}: --wiki is required`);
  const args: TokenArgs = { wiki, ttlS: positive(command, 'ttl', values.ttl, DEFAULT_TTL_S) };
  const copy = { secret: str(values.secret), user: str(values.user), aud: str(values.aud), cid: str(values.cid) };
  for (const [key, value] of Object.entries(copy)) if (value !== undefined) (args as unknown as Record<string, unknown>)[key] = value;
  const groups = list(values.groups);
  const send = list(values.send);
  if (groups) args.groups = groups;
  if (send) args.send = send;
  return args;
}

function str(value: Values[string]): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A repeatable option whose values may also be comma-separated; undefined when none. */
function list(value: Values[string]): string[] | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return items.length > 0 ? items : undefined;
}

function positive(command: string, option: string, value: Values[string], fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw usage(`${command}: --${option} must be a positive whole number, not "${String(value)}"`);
  return n;
}

function usage(message: string, cause?: unknown): CliError {
  return new CliError(ExitCode.usage, message, cause === undefined ? {} : { cause });
}
