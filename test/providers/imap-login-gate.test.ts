// Logins to one IMAP server are bounded per process (a storm of reconnects must not stall the
// server): never more than the limit in flight, every login still runs, in arrival order, and
// another server is not held up by the first one's queue.
import { expect, it } from 'vitest';
import { gatedLogin } from '../../src/providers/imap/login-gate.js';

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

it('runs at most the limit of logins to one server at once, all of them in order, and does not hold up another server', async () => {
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const release = Array.from({ length: 10 }, gate);
  const logins = release.map((g, i) =>
    gatedLogin(
      'mail.example:993',
      async () => {
        started.push(i);
        most = Math.max(most, ++inFlight);
        await g.p;
        inFlight--;
        return i;
      },
      3,
    ),
  );
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual([0, 1, 2]);
  // Another server's login goes at once while the first server's queue waits.
  expect(await gatedLogin('other.example:993', async () => 'other', 3)).toBe('other');
  // A failed login frees its slot too.
  const failing = gatedLogin('mail.example:993', async () => Promise.reject(new Error('refused')), 3);
  for (const g of release) g.open();
  expect(await Promise.all(logins)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await expect(failing).rejects.toThrow('refused');
  expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(most).toBe(3);
  // Nothing left behind: a new login runs at once.
  expect(await gatedLogin('mail.example:993', async () => 'again', 3)).toBe('again');
});
