// CPU seconds of other processes, from /proc (Linux; USER_HZ = 100), for benchmarks that
// need to say where a 2-core machine's CPU went: workers, PostgreSQL backends, Dovecot.
import { readdirSync, readFileSync } from 'node:fs';

/** The fields after the command name of /proc/<pid>/stat (field 3 is index 0). */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined; // gone
  }
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  const f = pid ? statFields(pid) : undefined;
  return f ? (Number(f[11]) + Number(f[12])) / 100 : 0; // utime, stime
}

/**
 * CPU seconds of a process and all its descendants, including those that already exited
 * and were waited for (the parent's cutime/cstime): Dovecot forks a process per IMAP
 * session, which is gone by the time a sync is done.
 */
export function treeCpuSeconds(root: number | undefined): number {
  if (!root) return 0;
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(pid)?.[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const walk = (pid: number) => {
    const f = statFields(pid);
    if (f) total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // + cutime, cstime
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return total;
}

/** A process's peak resident set so far (VmHWM in /proc/<pid>/status), in MB; 0 when it is gone. */
export function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
