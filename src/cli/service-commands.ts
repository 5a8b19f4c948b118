// serve, worker, token create/list/revoke, sync-now.
import type { Command } from 'commander';
import type { SyncRequested } from '../app/deps.js';
import { syncNow } from '../app/sync-now.js';
import { isPostgresUrl } from '../store/open.js';
import { setNextSyncAt } from '../store/schedule.js';
import { isExpired } from '../store/tokens.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../app/api-tokens.js';
import { serviceConfig } from '../service/config.js';
import { requestSync } from '../service/scheduler.js';
import { clockFrom, systemClock } from '../domain/clock.js';
import { asFlags, parseNow, UserError, withContext, type GlobalOptions } from './context.js';
import { howToSignIn } from './getting-started.js';
import { boundHeapGrowth, WORKER_HEAP_GROWING_PERCENT } from './heap-growth.js';

/** Run until SIGTERM/SIGINT, then shut down gracefully. */
// --port, --host and --concurrency are settings: main.ts read them into the Config (flags win over the environment).
// --now (serve's own, or the global one) starts the served clock at that instant (domain/clock.ts clockFrom).
async function runUntilSignal(role: 'serve' | 'worker', g: GlobalOptions, o: { now?: string; signInLink?: boolean } = {}): Promise<void> {
  const cfg = serviceConfig(g.config, role);
  // Both run syncs (serve on SQLite, workers on PostgreSQL); a worker only syncs, several at once: see heap-growth.ts.
  boundHeapGrowth(role === 'worker' ? WORKER_HEAP_GROWING_PERCENT : undefined);
  if (role === 'worker' && !isPostgresUrl(cfg.db))
    throw new UserError('worker needs --db postgres://…; on SQLite, "touchpoint serve" runs the sync workers itself');
  const startAt = o.now ?? g.now;
  const start = startAt === undefined ? undefined : parseNow(startAt);
  const clock = start === undefined ? systemClock : clockFrom(start);
  // Listening for the signals before saying anything: whoever reads "web app at" may stop us at once.
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // Loaded here, not at the top: every other command (a `touchpoint sync` among them) would
  // carry the HTTP stack, pino, prom-client and pg-boss in its heap (docs/benchmarks.md).
  const { startService } = await import('../service/runtime.js');
  const svc = await startService(cfg, { clock });
  if (svc.url) process.stderr.write(`touchpoint ${role}: listening on ${svc.url} (API docs: ${svc.url}/docs)\n`);
  if (start) process.stderr.write(`touchpoint ${role}: the clock starts at ${start.toISOString()} (--now) and runs on from there\n`);
  if (svc.url && role === 'serve')
    process.stderr.write(
      await howToSignIn(g, svc.db, svc.url, clock.now(), { link: o.signInLink ?? false, clockSet: start !== undefined }),
    );
  const signal = await signalled;
  process.stderr.write(`touchpoint ${role}: ${signal}, finishing running syncs…\n`);
  // Bounded: each step of close() has its own timeout (running syncs, IDLE sessions); this
  // guard is for a step that hangs anyway, so a stopped service never lingers half-alive.
  const guard = setTimeout(() => {
    process.stderr.write(`touchpoint ${role}: shutdown did not finish in time; exiting (the queue re-runs unfinished jobs)\n`);
    process.exit(1);
  }, cfg.shutdownTimeoutMs + SHUTDOWN_GRACE_MS);
  guard.unref();
  await svc.close().catch((err: unknown) => {
    process.stderr.write(`touchpoint: shutdown failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
  // Everything of ours is closed (the store, the queue, the IDLE sessions) and the log is
  // written: exit now rather than wait for a library's leftover socket or timer to let go
  // (a serve with 1,000 IDLE sessions logged "stopped" but never exited).
  process.exit(0);
}

/** Beyond the queue's shutdown timeout: closing the IDLE sessions, the HTTP server and the store. */
const SHUTDOWN_GRACE_MS = 15_000;

export function registerServiceCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('serve')
    .description(
      'run the service: HTTP API, scheduler and sync workers in one process (SQLite by default; --db postgres://… for PostgreSQL)',
    )
    .option('--port <n>', 'HTTP port (default 8080, or $TOUCHPOINT_PORT)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1, or $TOUCHPOINT_HOST)')
    .option('--concurrency <n>', 'syncs at once in this process (default 2 on SQLite, 4 on PostgreSQL)')
    .option('--now <iso>', "serve at this date: the clock starts there and runs on (the demo's 2026-03-20T12:00:00Z keeps its cases)")
    .option('--sign-in-link', 'print a one-time link that signs a browser in as an admin (npm start uses it)')
    .action(async (o: { now?: string; signInLink?: boolean }) => runUntilSignal('serve', g(), o));

  program
    .command('worker')
    .description('an extra sync worker process on PostgreSQL (start as many as you like, on any machine that reaches the database)')
    .option('--concurrency <n>', 'syncs at once in this process (default 4)')
    .option('--port <n>', 'serve /healthz and /metrics on this port (default: none)')
    .option('--host <addr>', 'address for --port (default 127.0.0.1)')
    .action(async () => runUntilSignal('worker', g()));

  const token = program.command('token').description('API tokens of the workspace');
  token
    .command('create')
    .requiredOption(
      '--role <role>',
      "admin (everything) or csm (read, explain, search, Sync now; with --teammate, that teammate's own connections)",
    )
    .requiredOption('--name <name>', 'what the token is for, e.g. "ci" or a person')
    .option('--expires <duration>', 'refuse the token after this long, e.g. 90d, 12h, 2w (default: never)')
    .option('--teammate <email>', "a CSM token's own teammate: it may connect, re-authorize and disconnect that teammate's accounts")
    .option('--json', 'print one JSON document')
    .action(async (o: { role: string; name: string; expires?: string; teammate?: string; json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const input = {
          name: o.name,
          role: o.role,
          ...(o.expires !== undefined ? { expires: o.expires } : {}),
          ...(o.teammate ? { teammate: o.teammate } : {}),
        };
        const { token: value, record } = await asFlags(createApiToken(ctx, input));
        if (o.json) return console.log(JSON.stringify({ ...record, token: value }, null, 2));
        process.stderr.write(
          `Created ${record.role} token "${record.name}" (id ${record.id}) for workspace ${ctx.ws.slug}${record.teammate ? ` for ${record.teammate}'s own connections` : ''}${record.expiresAt ? `, expiring ${record.expiresAt}` : ''}. It is shown only now:\n`,
        );
        console.log(value);
      });
    });
  token
    .command('list')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const list = await listApiTokens(ctx);
        if (o.json) return console.log(JSON.stringify(list, null, 2));
        for (const t of list)
          console.log(
            `${t.id}  ${t.role.padEnd(5)}  ${t.name}${t.teammate ? ` (${t.teammate})` : ''}  created ${t.createdAt}  ${t.expiresAt ? `${isExpired(t, ctx.now) ? 'expired' : 'expires'} ${t.expiresAt}` : 'never expires'}  last used ${t.lastUsedAt ?? 'never'}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}`,
          );
      });
    });
  token.command('revoke <id>').action(async (id: string) => {
    await withContext(g(), async (ctx) => {
      await revokeApiToken(ctx, { tokenId: id });
      console.log(`Revoked token ${id}`);
    });
  });

  program
    .command('sync-now')
    .description('start a sync of one connection at once in the running service (deduplicated if one is already waiting)')
    .requiredOption('--connection <id>', 'the connection')
    .option('--json', 'print one JSON document')
    .action(async (o: { connection: string; json?: boolean }) => {
      const globals = g();
      await withContext(globals, async (ctx) => {
        // The embedded queue lives inside `touchpoint serve`: there the connection is marked due
        // now and its scheduler starts the sync at its next tick (every 2 s).
        const requestSyncIn = async (connectionId: string): Promise<SyncRequested> => {
          if (!isPostgresUrl(globals.db)) {
            await setNextSyncAt(ctx.db, ctx.ws.id, connectionId, ctx.now);
            return 'due_now';
          }
          const { PgBossQueue } = await import('../queue/pg-boss.js'); // PostgreSQL only: see runUntilSignal
          const queue = await new PgBossQueue({ url: globals.db }).start();
          try {
            return (await requestSync(queue, ctx.ws.id, connectionId)).queued ? 'queued' : 'already_queued';
          } finally {
            await queue.stop({ timeoutMs: 1000 });
          }
        };
        const { connectionId, status } = await syncNow({ ...ctx, requestSync: requestSyncIn }, { connectionId: o.connection });
        const conn = { id: connectionId };
        if (o.json) return console.log(JSON.stringify({ connectionId: conn.id, status }));
        console.log(
          status === 'already_queued'
            ? `A sync of ${conn.id} is already waiting; it will run next.`
            : status === 'queued'
              ? `Sync of ${conn.id} queued; a worker starts it at once.`
              : `Connection ${conn.id} is due now; the running "touchpoint serve" starts its sync within seconds.`,
        );
      });
    });
}
