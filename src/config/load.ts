// Configuration is read once, at start-up, by the entry point (src/cli/main.ts), and handed
// down as a typed Config. Command-line flags win over the environment, which wins over the
// defaults. A bad value is one clear line naming the variable (or flag) and what is wrong.
import type { z } from 'zod';
import { type Config, ConfigSchema, type SettingEntry, settingEntries } from './schema.js';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  env?: Env;
  /** Flag values by flag name without dashes ({ db, port, host, concurrency }); undefined: not given. */
  flags?: Record<string, string | number | undefined>;
}

/** Parses the settings from flags, environment and defaults; throws ConfigError naming every bad one. */
export function loadConfig({ env = {}, flags = {} }: ConfigSources = {}): Config {
  const entries = settingEntries();
  const input: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const e of entries) {
    const flagName = e.flag?.replace(/^--/, '');
    const fromFlag = flagName === undefined ? undefined : flags[flagName];
    const raw = fromFlag !== undefined ? String(fromFlag) : env[e.env];
    // An empty variable is an unset one (`FOO= touchpoint …`), as before.
    if (raw === undefined || raw === '') continue;
    setPath(input, e.path, raw);
    origin.set(e.path.join('.'), fromFlag !== undefined ? e.flag! : e.env);
  }
  for (const [k, v] of Object.entries(structureOf(entries))) input[k] ??= v;
  const r = ConfigSchema.safeParse(input);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => describeIssue(i, entries, origin)));
}

function describeIssue(i: z.core.$ZodIssue, entries: SettingEntry[], origin: Map<string, string>): string {
  const key = i.path.join('.');
  const name = origin.get(key) ?? entries.find((e) => e.path.join('.') === key)?.env ?? key;
  // "X: "abc" is not a number" about a value; "X must be …" about the setting itself.
  return i.message.startsWith('"') ? `${name}: ${i.message}` : `${name} ${i.message}`;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const p of path.slice(0, -1)) {
    node[p] ??= {};
    node = node[p] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Empty objects for the nested groups, so a group with nothing set still parses to its defaults. */
function structureOf(entries: SettingEntry[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) if (e.path.length > 1) setPath(out, e.path.slice(0, -1), {});
  return out;
}
