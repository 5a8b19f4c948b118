// touchpoint watch: keep syncing until SIGINT/SIGTERM (push + poll, see sync/watch.ts).
// One line per event on stdout (JSON lines with --json); secrets never appear in them.
import { Option, type Command } from 'commander';
import { getConnection } from '../store/connections.js';
import { findWorkspace } from '../store/workspaces.js';
import { runWatch, type WatchEvent } from '../sync/watch.js';
import type { Ctx } from '../store/context.js';
import { alertNeedsReauth, type AlertSettings } from '../app/alerts.js';
import { smtpMailer } from '../app/notify.js';
import { connectors, firstWorkspaceCommand, openStore, parseNow, UserError, type GlobalOptions } from './context.js';
import { boundHeapGrowth } from './heap-growth.js';

function describe(e: WatchEvent): string {
  const t = new Date().toISOString();
  switch (e.event) {
    case 'watching':
      return `${t} watching ${e.teammate} [${e.connectionId}]${e.push ? ' (push: IMAP IDLE on INBOX)' : ' (polling)'}`;
    case 'push':
      return `${t} push ${e.connectionId}: ${e.state}${e.detail ? ` — ${e.detail}` : ''}`;
    case 'announced':
      return `${t} push ${e.connectionId}: ${e.why === 'new_mail' ? 'new mail announced' : 'reconnected, looking for mail that came meanwhile'}`;
    case 'synced':
      return (
        e.reports
          .map(
            (r) =>
              `${t} synced (${e.trigger}, ${e.ms} ms) ${r.teammate} [${r.connectionId}]: ${r.status}` +
              `${r.failure ? ` — ${r.failure}` : ''}; mail ${r.mail.seen} seen, ${r.mail.linked} linked`,
          )
          .join('\n') || `${t} synced (${e.trigger}): no connections`
      );
    case 'error':
      return `${t} error: ${e.message}`;
    case 'stopped':
      return `${t} stopped`;
  }
}

export function registerWatchCommand(program: Command, g: () => GlobalOptions): void {
  program
    .command('watch')
    .description(
      'keep syncing: new mail is linked within seconds where the server pushes (IMAP IDLE), else at the sync interval; stop with Ctrl-C',
    )
    .option('--connection <id>', 'only this connection')
    .option('--json', 'one JSON document per line')
    .addOption(new Option('--poll-seconds <n>', 'poll interval instead of the workspace sync interval').hideHelp())
    .action(async (o: { connection?: string; json?: boolean; pollSeconds?: string }) => {
      const opts = g();
      boundHeapGrowth(); // it syncs for as long as it runs: see heap-growth.ts
      // --now fixes the clock (tests); otherwise every sync reads the real time.
      const fixedNow = opts.now === undefined ? null : parseNow(opts.now);
      const db = await openStore(opts);
      const alerts: AlertSettings = {
        mailer: smtpMailer(opts.config.smtp),
        publicUrl: opts.config.publicUrl,
        brokenPercent: opts.config.alerts.brokenPercent,
      };
      const ac = new AbortController();
      // First signal: finish the sync under way, close the IDLE connections, exit 0. A second
      // one exits at once — safe too, each page commits with its cursor.
      const stop = () => {
        if (ac.signal.aborted) process.exit(130);
        ac.abort(new Error('stopped by signal'));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        const ws = await findWorkspace(db, opts.workspace);
        if (!ws) throw new UserError(`no workspace in ${opts.db} yet: create one first with "${firstWorkspaceCommand(opts)}"`);
        if (o.connection && !(await getConnection(db, ws.id, o.connection))) throw new UserError(`no connection "${o.connection}"`);
        const print = (e: WatchEvent) => console.log(o.json ? JSON.stringify({ at: new Date().toISOString(), ...e }) : describe(e));
        await runWatch({
          ctx: async () => {
            const ctx: Ctx = {
              db,
              ws: (await findWorkspace(db, ws.slug)) ?? ws,
              now: fixedNow ?? new Date(),
              actor: 'watch',
              connectors: connectors(g()),
            };
            // A connection whose grant is gone: its teammate is emailed (once per breakage).
            ctx.onNeedsReauth = (conn, words) => alertNeedsReauth(ctx, alerts, conn, words);
            return ctx;
          },
          ...(o.connection ? { connectionId: o.connection } : {}),
          ...(o.pollSeconds ? { pollMs: Number(o.pollSeconds) * 1000 } : {}),
          signal: ac.signal,
          log: print,
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await db.destroy();
        alerts.mailer?.close();
      }
    });
}
