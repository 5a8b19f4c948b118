// Tests configure the code by building a Config, never by writing process.env: the same
// schema and defaults the CLI parses at start-up, with a test key and the overrides given.
import { type Config, loadConfig } from '../../src/config/index.js';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { createSecrets, type Secrets } from '../../src/secrets/secrets.js';
import type { ConnectorDeps } from '../../src/store/context.js';

/** The passphrase of testConfig()'s key (what makeTestApi's SECRET_KEY is derived from). */
export const TEST_PASSPHRASE = 'test passphrase of at least thirty-two characters';

type Overrides<T> = {
  [K in keyof T]?: T[K] extends string | number | readonly unknown[] | undefined ? T[K] : Overrides<T[K]>;
};

/**
 * The defaults of every setting (as with an empty environment), a test key, and `overrides`
 * merged in group by group (`{ google: { clientId } }` keeps the other Google settings);
 * `secretKey: undefined` gives a Config without a key.
 */
export function testConfig(overrides: Overrides<Config> = {}): Config {
  const base = loadConfig({
    env: {
      TOUCHPOINT_SECRET_KEY: TEST_PASSPHRASE,
      TOUCHPOINT_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
      TOUCHPOINT_FOLDER_ROOT: TEST_FOLDER_ROOT,
    },
  });
  return merge(base, overrides) as Config;
}

/**
 * The test servers (Dovecot, Radicale, webhook receivers, emulators) listen on loopback, which
 * the outbound policy refuses by default: tests allow it as an operator's
 * TOUCHPOINT_OUTBOUND_ALLOW would. Never a production default; a test of the policy itself
 * overrides it with `outboundAllow: []`.
 */
export const TEST_OUTBOUND_ALLOW = '127.0.0.1/32,::1/128,localhost';

/**
 * testConfig()'s TOUCHPOINT_FOLDER_ROOT (one per test process): API folder connections read
 * only from <root>/<workspace-slug>/, so tests write their folders with workspaceFolder().
 */
export const TEST_FOLDER_ROOT = mkdtempSync(join(tmpdir(), 'tp-folder-root-'));

/** A fresh directory inside the workspace's folder under TEST_FOLDER_ROOT (made on first use). */
export function workspaceFolder(slug: string, prefix = 'tp-'): string {
  const dir = join(TEST_FOLDER_ROOT, slug);
  mkdirSync(dir, { recursive: true });
  return mkdtempSync(join(dir, prefix));
}

/** The outbound policy of testConfig(), for tests that build a CalDAV or IMAP source themselves. */
export const TEST_OUTBOUND = new OutboundPolicy({ allow: TEST_OUTBOUND_ALLOW.split(',') });

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object')
      out[k] = merge(b as Record<string, unknown>, v as Record<string, unknown>);
    else if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** What connectors get from a Config: its key and its provider settings. */
export function testConnectors(config: Config = testConfig()): ConnectorDeps {
  return { secrets: createSecrets(config.secretKey), settings: config };
}

/** The CLI's global options made from a Config (for in-process calls of src/cli helpers). */
export function testGlobals(
  config: Config = testConfig(),
  env: Record<string, string | undefined> = {},
): { config: Config; secrets: Secrets; env: Record<string, string | undefined> } {
  return { config, secrets: createSecrets(config.secretKey), env };
}

/** Emulator settings as a Config: Google's endpoints and a test OAuth client. */
export function googleEmulatorConfig(g: { tokenUrl: string; authUrl?: string; rootUrl: string }): Overrides<Config>['google'] {
  return {
    clientId: 'test-client.apps.googleusercontent.com',
    clientSecret: 'test-client-secret',
    tokenUrl: g.tokenUrl,
    ...(g.authUrl ? { authUrl: g.authUrl } : {}),
    rootUrl: g.rootUrl,
  };
}

/** Emulator settings as a Config: Microsoft's authority and Graph, and a test Entra ID app. */
export function microsoftEmulatorConfig(ms: { authority: string; graphBaseUrl: string }): Overrides<Config>['microsoft'] {
  return {
    clientId: '00000000-0000-0000-0000-00000000c11e',
    clientSecret: 'test-client-secret',
    authority: ms.authority,
    graphBaseUrl: ms.graphBaseUrl,
  };
}
