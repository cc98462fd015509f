/**
 * Reading deploy/systemd/ units the way systemd does, for the test that runs what a unit would
 * run on a machine without systemd as PID 1: its [Service] command line, working directory and
 * environment (Environment= first, then each EnvironmentFile= over it, as systemd.exec says),
 * with the specifiers the units use (%i, %l) and ${VAR} in the command expanded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export type UnitSections = Map<string, Array<[string, string]>>;

/** Sections of a unit file, each as its key=value lines in order (comments and continuations handled). */
export function parseUnit(text: string): UnitSections {
  const sections: UnitSections = new Map();
  let current: Array<[string, string]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new Error(`not a unit line: ${line}`);
    current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

export function unitValues(unit: UnitSections, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

/** KEY=VALUE lines of an EnvironmentFile (comments and blank lines skipped, quotes removed). */
export function readEnvironmentFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`${path}: not KEY=VALUE: ${line}`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return env;
}

export interface UnitCommand {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * What systemd would start for a service unit (its ExecStart), with `paths` rewriting absolute
 * prefixes (e.g. /opt/wikicast to where the release was unpacked) in every value.
 */
export function unitCommand(text: string, options: { instance?: string; paths: ReadonlyArray<[string, string]> }): UnitCommand {
  const unit = parseUnit(text);
  const specifiers: Record<string, string> = { i: options.instance ?? '', l: hostname().split('.')[0]!, '%': '%' };
  const resolve = (value: string): string => {
    let result = value.replace(/%(.)/g, (_, c: string) => {
      if (!(c in specifiers)) throw new Error(`specifier %${c} is not handled here`);
      return specifiers[c]!;
    });
    for (const [from, to] of options.paths) result = result.replaceAll(from, to);
    return result;
  };
  const env: Record<string, string> = {};
  for (const assignment of unitValues(unit, 'Service', 'Environment')) {
    const value = resolve(assignment);
    const eq = value.indexOf('=');
    env[value.slice(0, eq)] = value.slice(eq + 1);
  }
  for (const file of unitValues(unit, 'Service', 'EnvironmentFile')) {
    const optional = file.startsWith('-');
    const path = resolve(optional ? file.slice(1) : file);
    if (!existsSync(path)) {
      if (optional) continue;
      throw new Error(`EnvironmentFile ${path} is missing`);
    }
    for (const [key, value] of Object.entries(readEnvironmentFile(path))) env[key] = resolve(value);
  }
  const [exec] = unitValues(unit, 'Service', 'ExecStart');
  if (exec === undefined) throw new Error('no ExecStart');
  const argv = resolve(exec)
    .split(/\s+/)
    .map((word) => word.replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? ''));
  const [cwd] = unitValues(unit, 'Service', 'WorkingDirectory');
  return { argv, cwd: cwd === undefined ? '/' : resolve(cwd), env };
}
