// The operator's commands on the whole database: migrate (--dry-run), backup, restore.
// docs/operations.md walks through them (Upgrade, Backup, Restore).
import type { Command } from 'commander';
import { backupStore } from '../app/backup.js';
import { restoreStore } from '../app/restore.js';
import { migrateStore } from '../app/upgrade.js';
import { dbLabel, openStore, type GlobalOptions } from './context.js';

const rowsLine = (rows: Record<string, number>) =>
  Object.entries(rows)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');

export function registerStoreCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('migrate')
    .description(
      "bring the database to this release's schema, each migration in its own transaction (every command also does this on open)",
    )
    .option('--dry-run', 'only say which migrations would run and what each changes; change nothing')
    .option('--json', 'print one JSON document')
    .action(async (o: { dryRun?: boolean; json?: boolean }) => {
      const r = await migrateStore(g().db, { dryRun: !!o.dryRun });
      if (o.json) return console.log(JSON.stringify(r, null, 2));
      if (!r.migrations.length)
        return console.log(`${dbLabel(g())} is up to date (${r.latest}); nothing ${r.dryRun ? 'would run' : 'to do'}.`);
      console.log(`${r.dryRun ? 'Would run' : 'Ran'} ${r.migrations.length} migration(s) on ${dbLabel(g())}:`);
      for (const m of r.migrations) console.log(`  ${m.name}: ${m.description}`);
      if (r.dryRun) console.log('Nothing was changed (--dry-run).');
    });

  program
    .command('backup')
    .description('one consistent copy of the whole store (SQLite: online backup; PostgreSQL: pg_dump); secrets stay encrypted')
    .requiredOption('--out <file>', 'where to write the backup')
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print one JSON document')
    .action(async (o: { out: string; force?: boolean; json?: boolean }) => {
      const db = await openStore(g());
      try {
        const r = await backupStore({ db, location: g().db }, o.out, { force: !!o.force });
        if (o.json) return console.log(JSON.stringify(r, null, 2));
        console.log(`Backed up ${dbLabel(g())} to ${r.file} (${r.format}, ${r.bytes} bytes): ${rowsLine(r.rows) || 'no rows'}.`);
        if (r.secretKeyIds.length)
          console.log(
            `Its secrets are encrypted with key ${r.secretKeyIds.join(', ')}: keep TOUCHPOINT_SECRET_KEY with the backup, apart from it.`,
          );
      } finally {
        await db.destroy();
      }
    });

  program
    .command('restore')
    .description('restore a backup into an empty store (refuses a non-empty one unless --force, saying what it would replace)')
    .requiredOption('--from <file>', 'a file made by touchpoint backup')
    .option('--force', 'replace everything the store holds')
    .option('--json', 'print one JSON document')
    .action(async (o: { from: string; force?: boolean; json?: boolean }) => {
      let keyId: string | undefined;
      try {
        keyId = g().secrets.key().id;
      } catch {
        keyId = undefined; // not set: the report says the backup's key is needed
      }
      const r = await restoreStore(g().db, o.from, { force: !!o.force, ...(keyId ? { keyId } : {}) });
      if (o.json) return console.log(JSON.stringify(r, null, 2));
      if (Object.keys(r.replaced).length) console.log(`Replaced: ${rowsLine(r.replaced)}.`);
      console.log(`Restored ${o.from} into ${dbLabel(g())}: ${rowsLine(r.rows) || 'no rows'}.`);
      if (r.keyWarning) process.stderr.write(`warning: ${r.keyWarning}\n`);
    });
}
