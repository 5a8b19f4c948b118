import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeResult } from '../app/directory-changes.js';
import { printChange } from './print.js';

const change = (over: Partial<ChangeResult>): ChangeResult => ({
  linked: [],
  unlinked: [],
  unavailable: 0,
  deferred: 0,
  deferredBecause: [],
  audit: { at: '2026-03-10T12:00:00.000Z', actor: 'cli', action: 'end_user.add', target: 'acme/zed@prospect.example' },
  auditId: 1,
  ...over,
});

describe('printChange', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says in plain words which emails wait for a re-read, why, and when they are read', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
    printChange(
      'Added zed@prospect.example to acme',
      change({
        deferred: 33,
        deferredBecause: [
          { provider: 'graph', code: 'THROTTLED', emails: 30 },
          { provider: 'gmail', code: 'AUTH_FAILED', emails: 3 },
        ],
      }),
    );
    expect(lines).toContain(
      '  30 email(s) could not be re-read now because Microsoft 365 asked us to slow down; they will be re-read after a later sync of a mailbox holding them',
    );
    expect(lines).toContain(
      "  3 email(s) could not be re-read now because Gmail refused the connection's credentials (re-authorize it); they will be re-read after a later sync of a mailbox holding them",
    );
    expect(lines.some((l) => l.includes('left as they were'))).toBe(false);
  });
});
