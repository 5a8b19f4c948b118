import type { Command } from 'commander';
import { isValidAddress, isValidDomain, normalizeDomain } from '../directory/address.js';
import { addAccount, addTeammate, getAccount, teammateByAddress } from '../store/directory.js';
import { createWorkspace, findWorkspace } from '../store/workspaces.js';
import { syncAll } from '../sync/run-sync.js';
import { connectFolder } from '../app/connect.js';
import { registerConnectCalDav } from './connect-caldav.js';
import { asFlags, openStore, parseDate, parseNow, UserError, withContext, type GlobalOptions } from './context.js';
import { boundHeapGrowth } from './heap-growth.js';
import { printSyncReports } from './print.js';
import { progressPrinter, type ProgressPrinter } from './sync-progress.js';
import { clockFrom, type Clock } from '../domain/clock.js';
import { listConnections } from '../store/connections.js';
import type { Ctx } from '../store/context.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerSetupCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('init')
    .description('create the workspace (one per database for the CLI)')
    .requiredOption('--workspace <slug>', 'workspace slug, e.g. acme-cs')
    .option('--internal-domain <domain>', "the team's own mail domain (repeatable)", collect, [])
    .action(async (o: { workspace: string; internalDomain: string[] }) => {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(o.workspace))
        throw new UserError(`--workspace: "${o.workspace}" must be lowercase letters, digits and dashes`);
      for (const d of o.internalDomain) if (!isValidDomain(d)) throw new UserError(`--internal-domain: "${d}" is not a domain`);
      const db = await openStore(g());
      try {
        if (await findWorkspace(db, o.workspace)) throw new UserError(`workspace "${o.workspace}" already exists in ${g().db}`);
        await createWorkspace(db, o.workspace, o.internalDomain.map(normalizeDomain), parseNow(g().now));
        console.log(`Created workspace ${o.workspace} in ${g().db}`);
      } finally {
        await db.destroy();
      }
    });

  const teammate = program.command('teammate').description('internal users (CSMs, admins)');
  teammate
    .command('add')
    .requiredOption('--email <addr>', 'primary address')
    .option('--alias <addr>', 'another address of the same person (repeatable)', collect, [])
    .option('--name <name>', 'display name')
    .action(async (o: { email: string; alias: string[]; name?: string }) => {
      for (const a of [o.email, ...o.alias]) if (!isValidAddress(a)) throw new UserError(`"${a}" is not an email address`);
      await withContext(g(), async (ctx) => {
        for (const a of [o.email, ...o.alias]) {
          if (await teammateByAddress(ctx.db, ctx.ws.id, a)) throw new UserError(`${a} already belongs to a teammate`);
        }
        const t = await addTeammate(ctx.db, ctx.ws.id, { email: o.email, aliases: o.alias, ...(o.name ? { name: o.name } : {}) }, ctx.now);
        console.log(`Added teammate ${t.email}${t.aliases.length ? ` (aliases: ${t.aliases.join(', ')})` : ''}`);
      });
    });

  const account = program.command('account').description('customer accounts');
  account
    .command('add')
    .requiredOption('--id <id>', 'account id (as in your CRM)')
    .requiredOption('--name <name>', 'account name')
    .action(async (o: { id: string; name: string }) => {
      if (!o.id.trim()) throw new UserError('--id must not be empty');
      await withContext(g(), async (ctx) => {
        if (await getAccount(ctx.db, ctx.ws.id, o.id)) throw new UserError(`account "${o.id}" already exists`);
        await addAccount(ctx.db, ctx.ws.id, { id: o.id.trim(), name: o.name }, ctx.now);
        console.log(`Added account ${o.id} (${o.name})`);
      });
    });

  const connect = program.command('connect').description("authorize a teammate's mailbox and/or calendar");
  registerConnectCalDav(connect, g);
  connect
    .command('folder')
    .description('a local folder of .eml files / Maildir, and/or of .ics files (demos, imports)')
    .requiredOption('--teammate <addr>', 'the teammate whose mailbox/calendar this is')
    .option('--mail <dir>', 'directory of .eml files or a Maildir')
    .option('--calendar <dir>', 'directory of .ics files')
    .requiredOption('--authorized-at <iso>', 'when the teammate authorized it; earlier items are historic')
    .action(async (o: { teammate: string; mail?: string; calendar?: string; authorizedAt: string }) => {
      const authorizedAt = parseDate(o.authorizedAt, '--authorized-at');
      await withContext(g(), async (ctx) => {
        const input = {
          teammate: o.teammate,
          authorizedAt,
          ...(o.mail ? { mail: o.mail } : {}),
          ...(o.calendar ? { calendar: o.calendar } : {}),
          anyPath: true, // the operator's own machine: full paths, not TOUCHPOINT_FOLDER_ROOT
        };
        const { id, teammate } = await asFlags(connectFolder(ctx, input));
        console.log(`Connected folder for ${teammate}: connection ${id}`);
      });
    });

  program
    .command('sync')
    .description('sync every connection now (or one)')
    .option('--connection <id>', 'only this connection')
    .option('--json', 'print one JSON document (progress lines still go to stderr)')
    .option('--quiet', 'no progress lines on stderr')
    .action(async (o: { connection?: string; json?: boolean; quiet?: boolean }) => {
      boundHeapGrowth(); // a long sync's promoted garbage must not grow the heap to 4× live
      await withContext(g(), async (ctx) => {
        // Runs on from --now at real speed: progress is timed with it, as the service's clock times its syncs.
        const clock = clockFrom(ctx.now);
        const progress = o.quiet ? undefined : await progressFor(ctx, o.connection, clock);
        const reports = await syncAll(ctx, o.connection, { clock, ...(progress ? { onProgress: progress.onProgress } : {}) });
        progress?.finish();
        if (o.connection && reports.length === 0) throw new UserError(`no connection "${o.connection}"`);
        if (o.json) console.log(JSON.stringify({ connections: reports }, null, 2));
        else printSyncReports(reports);
      });
    });
}

/** Lines name the teammate when several connections sync, so two mailboxes' counts are told apart. */
async function progressFor(ctx: Ctx, only: string | undefined, clock: Clock): Promise<ProgressPrinter> {
  const conns = only ? [] : await listConnections(ctx.db, ctx.ws.id);
  const names = new Map(conns.map((c) => [c.id, c.ownerAddresses[0] ?? c.teammateId]));
  return progressPrinter(process.stderr, clock, (id) => (names.size > 1 ? `${names.get(id) ?? id} ` : ''));
}
