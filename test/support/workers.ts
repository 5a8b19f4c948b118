// `touchpoint worker` processes on PostgreSQL, watched through their JSON log lines: which
// connections each has started and not finished, and how many syncs it finished.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TEST_OUTBOUND_ALLOW } from './config.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'touchpoint');

export interface Worker {
  child: ChildProcess;
  started: Set<string>;
  finished: number;
  log: string;
}

export function startWorker(url: string, concurrency = 2): Worker {
  const child = spawn(process.execPath, [BIN, '--db', url, 'worker', '--concurrency', String(concurrency)], {
    env: {
      ...process.env,
      TOUCHPOINT_LOG_LEVEL: 'info',
      TOUCHPOINT_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
      TOUCHPOINT_QUEUE_POLL_MS: '500',
      TOUCHPOINT_REAP_INTERVAL_MS: '1000',
      TOUCHPOINT_REAP_AFTER_MS: '2000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const w: Worker = { child, started: new Set(), finished: 0, log: '' };
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += String(d);
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      w.log += `${line}\n`;
      const m = /"connectionId":"([^"]+)".*"msg":"sync (started|finished)"/.exec(line);
      if (m?.[2] === 'started') w.started.add(m[1]!);
      if (m?.[2] === 'finished') {
        w.started.delete(m[1]!);
        w.finished++;
      }
    }
  });
  child.stderr!.on('data', (d) => (w.log += String(d)));
  return w;
}
