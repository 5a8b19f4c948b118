// serve, worker, token create/list/revoke, sync-now.
import type { Command } from 'commander';
import { PgBossQueue } from '../queue/pg-boss.js';
import type { SyncRequested } from '../app/deps.js';
import { syncNow } from '../app/sync-now.js';
import { isPostgresUrl } from '../store/open.js';
import { setNextSyncAt } from '../store/schedule.js';
import { isExpired } from '../store/tokens.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../app/api-tokens.js';
import { serviceConfig } from '../service/config.js';
import { startService } from '../service/runtime.js';
import { WEB_DIST } from '../api/web-static.js';
import { existsSync } from 'node:fs';
import { requestSync } from '../service/scheduler.js';
import { asFlags, UserError, withContext, type GlobalOptions } from './context.js';

/** Run until SIGTERM/SIGINT, then shut down gracefully. */
// --port, --host and --concurrency are settings: main.ts read them into the Config (flags win over the environment).
async function runUntilSignal(role: 'serve' | 'worker', g: GlobalOptions): Promise<void> {
  const cfg = serviceConfig(g.config, role);
  if (role === 'worker' && !isPostgresUrl(cfg.db))
    throw new UserError('worker needs --db postgres://…; on SQLite, "touchpoint serve" runs the sync workers itself');
  const svc = await startService(cfg);
  if (svc.url) process.stderr.write(`touchpoint ${role}: listening on ${svc.url} (API docs: ${svc.url}/docs)\n`);
  if (svc.url && role === 'serve') {
    process.stderr.write(
      existsSync(`${WEB_DIST}/index.html`)
        ? `touchpoint serve: web app at ${svc.url}/ (sign in with an API token: touchpoint token create --role admin --name <you>)\n`
        : `touchpoint serve: the web app is not built (${WEB_DIST} is missing): run "npm run build:web" and restart to serve it at ${svc.url}/\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`touchpoint ${role}: ${signal}, finishing running syncs…\n`);
      svc.close().then(resolve, (err) => {
        process.stderr.write(`touchpoint: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export function registerServiceCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('serve')
    .description(
      'run the service: HTTP API, scheduler and sync workers in one process (SQLite by default; --db postgres://… for PostgreSQL)',
    )
    .option('--port <n>', 'HTTP port (default 8080, or $TOUCHPOINT_PORT)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1, or $TOUCHPOINT_HOST)')
    .option('--concurrency <n>', 'syncs at once in this process (default 2 on SQLite, 4 on PostgreSQL)')
    .action(async () => runUntilSignal('serve', g()));

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
