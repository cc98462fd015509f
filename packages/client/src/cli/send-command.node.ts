import { INGEST_AUDIENCE } from '@wikicast/protocol';
import { DEFAULT_URL, type TokenArgs } from './args.node.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { tokenSource } from './token-command.node.js';

export interface SendArgs {
  token: TokenArgs;
  topic: string;
  type: string;
  msg: unknown;
  to?: string[];
  timeoutS: number;
}

interface IngestAnswer {
  accepted?: unknown;
  invalid?: Array<{ message?: unknown; code?: unknown }>;
  code?: unknown;
  message?: unknown;
}

/** `wikicast send`: POST one event to ingest, print its id once accepted (RabbitMQ confirmed). */
export async function sendCommand(args: SendArgs, io: CliIo): Promise<void> {
  const base = io.env.WIKICAST_URL || DEFAULT_URL;
  const url = new URL('/v1/events', base).toString();
  const token = await (await tokenSource(args.token, io, { aud: INGEST_AUDIENCE }))();
  const event = { topic: args.topic, type: args.type, ...(args.msg !== undefined ? { msg: args.msg } : {}), ...(args.to ? { to: args.to } : {}) };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(args.timeoutS * 1000),
    });
  } catch (err) {
    throw new CliError(ExitCode.unavailable, `cannot reach ${url}: ${networkReason(err)}`, { cause: err });
  }
  const text = await response.text();
  const answer = parseAnswer(text);
  const accepted = Array.isArray(answer?.accepted) ? answer.accepted.filter((id): id is string => typeof id === 'string') : [];
  if ((response.status === 202 || response.status === 207) && accepted.length > 0) {
    for (const id of accepted) io.out(id);
    return;
  }
  throw new CliError(exitCodeFor(response.status), `${url} answered ${response.status}: ${describeAnswer(answer, text, response)}`);
}

export function exitCodeFor(status: number): (typeof ExitCode)[keyof typeof ExitCode] {
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 400 || status === 207 || status === 202 || status === 413 || status === 415 || status === 422) return ExitCode.invalid;
  return ExitCode.unavailable;
}

function parseAnswer(text: string): IngestAnswer | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as IngestAnswer) : undefined;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

function describeAnswer(answer: IngestAnswer | undefined, text: string, response: Response): string {
  const invalid = answer?.invalid?.[0];
  const parts = [
    typeof answer?.code === 'string' ? answer.code : undefined,
    typeof answer?.message === 'string' ? answer.message : typeof invalid?.message === 'string' ? invalid.message : undefined,
  ].filter((p) => p !== undefined);
  const retry = response.headers.get('retry-after');
  const described = parts.length > 0 ? parts.join(': ') : text.trim().slice(0, 200) || response.statusText;
  return retry === null ? described : `${described} (retry after ${retry} s)`;
}

/** fetch's "fetch failed" hides the useful part (ECONNREFUSED, ENOTFOUND, a timeout) in `cause`. */
function networkReason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer in time';
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
