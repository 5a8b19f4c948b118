// Hardening commands: secrets rotate, disconnect, purge, workspace export / delete.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { disconnect } from '../app/disconnect.js';
import { DEFAULT_RETENTION_DAYS, parsePeriodDays, purgeNotLinked } from '../store/retention.js';
import { rotateSecrets } from '../store/rotate-secrets.js';
import { deriveKey, SecretKeyError } from '../secrets/secrets.js';
import { deleteWorkspaceData, exportWorkspaceData } from '../app/workspace-data.js';
import { findWorkspace } from '../store/workspaces.js';
import { dbLabel, openStore, parseNow, UserError, withContext, type GlobalOptions } from './context.js';

const asUserError = (err: unknown): never => {
  throw err instanceof SecretKeyError ? new UserError(err.message) : err;
};

export function registerAdminCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('secrets')
    .description('stored credentials')
    .command('rotate')
    .description(
      're-encrypt every stored secret from TOUCHPOINT_SECRET_KEY (the old key) to the key in --new-key-env, in one transaction; stop ' +
        'serve/worker first and restart them with the new key',
    )
    .requiredOption('--new-key-env <VAR>', 'name of the environment variable holding the new passphrase')
    .option('--json', 'print one JSON document')
    .action(async (o: { newKeyEnv: string; json?: boolean }) => {
      const raw = g().env[o.newKeyEnv];
      if (!raw) throw new UserError(`--new-key-env: the environment variable ${o.newKeyEnv} is not set`);
      let oldKey: ReturnType<typeof deriveKey>, newKey: ReturnType<typeof deriveKey>;
      try {
        oldKey = g().secrets.key();
        newKey = deriveKey(raw);
      } catch (err) {
        asUserError(err);
      }
      const db = await openStore(g());
      try {
        const r = await rotateSecrets(db, oldKey!, newKey!).catch(asUserError);
        if (o.json) return console.log(JSON.stringify(r, null, 2));
        console.log(
          `Re-encrypted ${r.total} secret(s) with key ${r.newKeyId}${r.alreadyNew ? ` (${r.alreadyNew} already under it)` : ''}:`,
        );
        for (const [col, n] of Object.entries(r.reencrypted)) console.log(`  ${col}: ${n}`);
        console.log(`Now set TOUCHPOINT_SECRET_KEY to the new passphrase for every process.`);
      } finally {
        await db.destroy();
      }
    });

  program
    .command('disconnect')
    .description('stop syncing a connection and delete its stored credentials (tokens, passwords)')
    .requiredOption('--connection <id>', 'connection id (see "touchpoint status")')
    .action(async (o: { connection: string }) => {
      await withContext(g(), async (ctx) => {
        const conn = await disconnect(ctx, { connectionId: o.connection });
        console.log(`Disconnected ${conn.id}; its stored credentials are deleted. What was synced stays on the timelines.`);
      });
    });

  program
    .command('purge')
    .description(`delete mail and meetings seen but never linked, first seen before the period (default ${DEFAULT_RETENTION_DAYS}d)`)
    .option('--older-than <period>', 'e.g. 30d, 90d, 12h', `${DEFAULT_RETENTION_DAYS}d`)
    .option('--json', 'print one JSON document')
    .action(async (o: { olderThan: string; json?: boolean }) => {
      const days = parsePeriodDays(o.olderThan);
      if (days === null) throw new UserError(`--older-than: "${o.olderThan}" is not a period like 30d or 12h`);
      await withContext(g(), async (ctx) => {
        const r = await purgeNotLinked(ctx.db, ctx.ws.id, ctx.now, days);
        if (o.json) return console.log(JSON.stringify(r, null, 2));
        console.log(`Purged ${r.emails} email(s) and ${r.meetings} meeting occurrence(s) not linked and first seen before ${r.cutoff}`);
      });
    });

  const workspace = program.command('workspace').description("all of a workspace's data");
  workspace
    .command('export')
    .description('every row of the workspace as one JSON document (credentials, token hashes and the address-hash key left out)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (o: { out?: string }) => {
      await withContext(g(), async (ctx) => {
        const doc = JSON.stringify(await exportWorkspaceData(ctx), null, 2);
        if (!o.out) return console.log(doc);
        writeFileSync(o.out, `${doc}\n`, { mode: 0o600 });
        process.stderr.write(`Exported workspace ${ctx.ws.slug} to ${o.out}\n`);
      });
    });
  workspace
    .command('delete')
    .description('delete every row of a workspace, in every table (cannot be undone)')
    .requiredOption('--workspace <slug>', 'the workspace to delete, named explicitly')
    .option('--yes', 'confirm')
    .action(async (o: { workspace: string; yes?: boolean }) => {
      if (!o.yes) throw new UserError(`deleting workspace "${o.workspace}" cannot be undone: add --yes to confirm`);
      const db = await openStore(g());
      try {
        const ws = await findWorkspace(db, o.workspace);
        if (!ws) throw new UserError(`no workspace "${o.workspace}" in ${dbLabel(g())}`);
        const counts = await deleteWorkspaceData({ db, ws, now: parseNow(g().now), actor: 'cli', origin: 'cli' }, { confirm: ws.slug });
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        console.log(`Deleted workspace ${ws.slug}: ${total} row(s) in ${Object.keys(counts).length} tables`);
      } finally {
        await db.destroy();
      }
    });
}
