// At most a few IMAP logins in flight per server from this process. Under load a mail server
// hands each login to a fresh process; when logins arrive faster than it can do that, each one
// waits past its timeout, the client retries, and the retries pile up until none finishes (the
// soak saw Dovecot freeze at 416 of 1,000 IDLE sessions at load 30). Waiting here instead, in
// order, lets every login that starts finish.
export const LOGINS_IN_FLIGHT_PER_SERVER = 8;

interface Gate {
  running: number;
  waiting: (() => void)[];
}

const gates = new Map<string, Gate>();

/** Runs `login` once fewer than `max` logins to `server` are in flight (first come, first served). */
export async function gatedLogin<T>(server: string, login: () => Promise<T>, max = LOGINS_IN_FLIGHT_PER_SERVER): Promise<T> {
  let gate = gates.get(server);
  if (!gate) {
    gate = { running: 0, waiting: [] };
    gates.set(server, gate);
  }
  const g = gate;
  if (g.running >= max) await new Promise<void>((r) => g.waiting.push(r));
  else g.running++;
  try {
    return await login();
  } finally {
    const next = g.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next login
    else {
      g.running--;
      if (g.running === 0) gates.delete(server);
    }
  }
}
