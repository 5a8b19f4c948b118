// user add/delete, users import, blocklist add/remove: each re-decides the past at once.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { addEndUser, addToBlocklist, deleteEndUser, removeFromBlocklist, type ChangeResult } from '../app/directory-changes.js';
import { importEndUsersCsv } from '../app/csv-import.js';
import { UserError, withContext, type GlobalOptions } from './context.js';
import { printChange } from './print.js';

const SOURCE_RE = /^(manual|csv|api|(crm|support|integration):[a-z0-9][a-z0-9_.-]*)$/;

function checkSource(s: string): string {
  if (!SOURCE_RE.test(s))
    throw new UserError(`--source: "${s}" must be manual, csv, api, crm:<name>, support:<name> or integration:<name>`);
  return s;
}

function output(json: boolean | undefined, what: string, r: ChangeResult): void {
  if (json) console.log(JSON.stringify(r, null, 2));
  else printChange(what, r);
}

export function registerDirectoryCommands(program: Command, g: () => GlobalOptions): void {
  const user = program.command('user').description('end users: people at customer accounts');
  user
    .command('add')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--email <addr>', 'the "email" field: the address that must match exactly')
    .option('--name <name>', 'name')
    .option('--source <src>', 'manual, csv, api, crm:<name>, support:<name>', 'manual')
    .option('--external-id <x>', "the source's id for this user")
    .option('--json', 'print one JSON document')
    .action(async (o: { account: string; email: string; name?: string; source: string; externalId?: string; json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await addEndUser(ctx, {
          accountId: o.account,
          email: o.email,
          name: o.name,
          source: checkSource(o.source),
          externalId: o.externalId,
        });
        output(o.json, `Added ${o.email} to ${o.account}`, r);
      });
    });

  user
    .command('delete')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--email <addr>', "the end user's email")
    .option('--suppress', 'also stop its source from recreating it on the next import')
    .option('--json', 'print one JSON document')
    .action(async (o: { account: string; email: string; suppress?: boolean; json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await deleteEndUser(ctx, o.account, o.email, !!o.suppress);
        output(o.json, `Deleted ${o.email} from ${o.account}${o.suppress ? ' and suppressed it' : ''}`, r);
        if (r.warning && !o.json) process.stderr.write(`warning: ${r.warning}\n`);
      });
    });

  program
    .command('users')
    .description('bulk end-user operations')
    .command('import <file>')
    .description('import end users from a CSV with columns account_id,email,name,external_id')
    .option('--source <src>', 'the source these users come from', 'csv')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: { source: string; json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new UserError(
          `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
        );
      }
      await withContext(g(), async (ctx) => {
        const r = await importEndUsersCsv(ctx, text, checkSource(o.source));
        if (o.json) return console.log(JSON.stringify(r, null, 2));
        const c = r.counts;
        console.log(
          `Imported from ${r.source}: ${c.created} created, ${c.unchanged} unchanged, ${c.skipped_suppressed} skipped (suppressed), ${c.error} rejected`,
        );
        for (const row of r.rows.filter((x) => x.outcome === 'error' || x.outcome === 'skipped_suppressed')) {
          console.log(`  line ${row.line}: ${row.outcome === 'error' ? 'rejected' : 'skipped'} — ${row.reason}`);
        }
        printChange('', r);
      });
    });

  const blocklist = program.command('blocklist').description('domains and addresses that must never cause a sync');
  blocklist
    .command('add <entry>')
    .description('a domain (covers its subdomains) or an exact address')
    .option('--json', 'print one JSON document')
    .action(async (entry: string, o: { json?: boolean }) => {
      // On the command line the domain is typed by hand: that is the confirmation a customer's
      // domain needs (a click in the web app or a field in the API is not; docs/decisions.md).
      await withContext(g(), async (ctx) => output(o.json, `Blocklisted ${entry}`, await addToBlocklist(ctx, entry, { confirm: entry })));
    });
  blocklist
    .command('remove <entry>')
    .option('--json', 'print one JSON document')
    .action(async (entry: string, o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => output(o.json, `Removed ${entry} from the blocklist`, await removeFromBlocklist(ctx, entry)));
    });
}
