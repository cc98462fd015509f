import { envInt, type Env } from './env.js';

/**
 * One whole-number setting a service reads from its environment: the variable, its default and
 * range, its unit, and what it means. A service's table of these is the one place each setting is
 * described: the service reads it, and the docs test checks the service's configuration table
 * against it (same default, same meaning).
 */
export interface IntSetting {
  readonly key: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Shown after the default in the docs (`ms`, `events`); empty for a plain count. */
  readonly unit: string;
  readonly doc: string;
}

export type IntSettings = Readonly<Record<string, IntSetting>>;

/** Every setting of a table, by its name in the table; a bad value throws a ConfigError naming its variable. */
export function readIntSettings<T extends IntSettings>(env: Env, table: T): { [K in keyof T]: number } {
  const values: Record<string, number> = {};
  for (const [name, setting] of Object.entries(table)) {
    values[name] = envInt(env, setting.key, setting.default, { min: setting.min, max: setting.max });
  }
  return values as { [K in keyof T]: number };
}
