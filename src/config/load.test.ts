import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';
import { settingEntries } from './schema.js';

const KEY = 'a passphrase of at least thirty-two characters';

describe('loadConfig', () => {
  it('gives every setting its default from an empty environment', () => {
    const c = loadConfig({ env: {} });
    expect(c.db).toBe('./data/touchpoint.db');
    expect(c.secretKey).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.service).toMatchObject({ host: '127.0.0.1', rateLimit: 600, tickMs: 2000, retentionDays: 30, jobTimeoutS: 3600 });
    expect(c.service.port).toBeUndefined(); // depends on the role: serviceConfig fills it in
    expect(c.microsoft.authority).toBe('https://login.microsoftonline.com/common');
    expect(c.google.clientId).toBeUndefined();
  });

  it('reads the environment, typed', () => {
    const c = loadConfig({
      env: {
        TOUCHPOINT_DB: 'postgres://x@127.0.0.1/tp',
        TOUCHPOINT_SECRET_KEY: KEY,
        TOUCHPOINT_RATE_LIMIT: '25',
        TOUCHPOINT_PUBLIC_URL: 'https://tp.example.com//',
        TOUCHPOINT_GOOGLE_CLIENT_ID: 'cid',
        TOUCHPOINT_GRAPH_BASE_URL: 'http://127.0.0.1:9999/',
      },
    });
    expect(c.db).toBe('postgres://x@127.0.0.1/tp');
    expect(c.secretKey).toBe(KEY);
    expect(c.service.rateLimit).toBe(25);
    expect(c.publicUrl).toBe('https://tp.example.com');
    expect(c.google.clientId).toBe('cid');
    expect(c.microsoft.graphBaseUrl).toBe('http://127.0.0.1:9999');
  });

  it('flags win over the environment, which wins over the defaults', () => {
    const env = { TOUCHPOINT_DB: 'env.db', TOUCHPOINT_PORT: '9000', TOUCHPOINT_HOST: '0.0.0.0' };
    const c = loadConfig({ env, flags: { db: 'flag.db', port: '7000' } });
    expect(c.db).toBe('flag.db');
    expect(c.service.port).toBe(7000);
    expect(c.service.host).toBe('0.0.0.0');
  });

  it('treats an empty variable as unset', () => {
    const c = loadConfig({ env: { TOUCHPOINT_RATE_LIMIT: '', TOUCHPOINT_SECRET_KEY: '' } });
    expect(c.service.rateLimit).toBe(600);
    expect(c.secretKey).toBeUndefined();
  });

  it('names the variable (or the flag) and what is wrong, every bad one at once', () => {
    const bad = () =>
      loadConfig({
        env: { TOUCHPOINT_RATE_LIMIT: 'abc', TOUCHPOINT_SECRET_KEY: 'short', TOUCHPOINT_LOG_LEVEL: 'loud' },
        flags: { port: '99999' },
      });
    expect(bad).toThrow(ConfigError);
    const problems = (() => {
      try {
        bad();
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toContain('TOUCHPOINT_RATE_LIMIT: "abc" is not a number');
    expect(problems).toContain('TOUCHPOINT_SECRET_KEY must be a passphrase of at least 32 characters');
    expect(problems).toContain('--port: "99999" must be a whole number from 0 to 65535');
    expect(problems.find((p) => p.startsWith('TOUCHPOINT_LOG_LEVEL'))).toMatch(/"loud" is not a log level/);
  });

  it('refuses plain http to a provider endpoint other than loopback', () => {
    expect(() => loadConfig({ env: { TOUCHPOINT_MICROSOFT_AUTHORITY: 'http://login.example.com/t' } })).toThrow(
      /TOUCHPOINT_MICROSOFT_AUTHORITY must be https .*not "http:\/\/login.example.com\/t"/,
    );
  });

  it('never shows a secret value in an error', () => {
    expect(() => loadConfig({ env: { TOUCHPOINT_SECRET_KEY: 'short-secret' } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('short-secret') }),
    );
  });
});

describe('the schema', () => {
  it('describes every setting: a TOUCHPOINT_ variable, a description, and each variable once', () => {
    const entries = settingEntries();
    for (const e of entries) {
      expect(e.env).toMatch(/^TOUCHPOINT_[A-Z0-9_]+$/);
      expect(e.description.length).toBeGreaterThan(10);
    }
    expect(new Set(entries.map((e) => e.env)).size).toBe(entries.length);
    expect(entries.filter((e) => e.secret).map((e) => e.env)).toEqual(
      expect.arrayContaining(['TOUCHPOINT_SECRET_KEY', 'TOUCHPOINT_GOOGLE_CLIENT_SECRET', 'TOUCHPOINT_MICROSOFT_CLIENT_SECRET']),
    );
  });
});
