// `touchpoint token create --expires 90d` stores an expiry; `token list` shows expiry and
// last use; a bad duration is a clear error that creates nothing.
import { describe, expect, it } from 'vitest';
import { expectUserError, Workspace } from '../support/cli.js';

describe('token create --expires / token list', () => {
  it('creates an expiring token and lists expiry and last use', async () => {
    const ws = new Workspace('2026-03-20T12:00:00Z', 'tp-token-expiry-');
    await ws.ok(['init', '--workspace', 'acme-cs', '--internal-domain', 'ourco.com']);
    const t = await ws.json(['token', 'create', '--role', 'csm', '--name', 'quarterly', '--expires', '90d']);
    expect(t).toMatchObject({ name: 'quarterly', expiresAt: '2026-06-18T12:00:00.000Z', lastUsedAt: null });
    expect(t.token).toMatch(/^tp_/);
    await ws.ok(['token', 'create', '--role', 'admin', '--name', 'forever']);
    expectUserError(
      await ws.run(['token', 'create', '--role', 'csm', '--name', 'x', '--expires', 'tomorrow']),
      /--expires: "tomorrow" is not a duration like 90d/,
    );

    const list = await ws.ok(['token', 'list']);
    expect(list).toMatch(/quarterly\s+created 2026-03-20T12:00:00.000Z\s+expires 2026-06-18T12:00:00.000Z\s+last used never/);
    expect(list).toMatch(/forever\s+created \S+\s+never expires\s+last used never/);
    expect(list).not.toContain('  x  ');
    const later = await ws.ok(['token', 'list'], { now: '2026-07-01T00:00:00Z' });
    expect(later).toMatch(/quarterly\s+created \S+\s+expired 2026-06-18T12:00:00.000Z/);
  });
});
