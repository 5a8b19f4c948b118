// A private PostgreSQL for the soak: initdb in a temp dir, its own port, so restarting it in
// the middle of the run disturbs nobody else's database on this shared machine. Run as the
// `postgres` user when we are root (initdb refuses root); fsync off: the soak measures
// Touchpoint, not the disk.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/services/dovecot.js';

export interface PrivatePostgres {
  url: string;
  port: number;
  /** pg_ctl restart -m fast: every client connection is dropped, the data stays. */
  restart(): void;
  stop(): void;
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  const bin = join(root, version ?? '', 'bin', name);
  if (!existsSync(bin)) throw new Error(`no ${name} under ${root}: install postgresql`);
  return bin;
}

export async function startPrivatePostgres(maxConnections: number): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-soak-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const pw = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gr = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(pw), Number(gr));
  }
  const run = (bin: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : bin, asRoot ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: 'pipe', cwd: '/' });
  const data = join(dir, 'data');
  run(pgBin('initdb'), ['-D', data, '--auth=trust', '--username=postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    `-c max_connections=${maxConnections}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=256MB',
  ].join(' ');
  const ctl = (args: string[]) => run(pgBin('pg_ctl'), ['-D', data, '-l', join(dir, 'postgres.log'), '-o', opts, '-w', ...args]);
  ctl(['start']);
  run(pgBin('createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'soak']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/soak`,
    port,
    restart: () => ctl(['restart', '-m', 'fast']),
    stop: () => {
      try {
        ctl(['stop', '-m', 'fast']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
