// touchpoint source connect|sync|list|disconnect: directory sources (HubSpot, Salesforce,
// Zendesk). Secrets are taken by the NAME of an environment variable, never on the command line.
import type { Command } from 'commander';
import type { SourceSyncReport } from '../app/source-sync.js';
import { connectSource, disconnectSource, listDirectorySources, syncSourcesHere, type SourceView } from '../app/sources.js';
import type { AccountMatch } from '../sources/mapping.js';
import type { SourceKind } from '../sources/types.js';
import { asFlags, secretKey, UserError, withContext, type GlobalOptions } from './context.js';
import { printLeftovers } from './print.js';

interface MappingFlags {
  emailFields?: string;
  accounts?: string;
  removeDeletedAccounts?: boolean;
  json?: boolean;
}

function secretFrom(g: GlobalOptions, flag: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new UserError(`${flag} takes the NAME of an environment variable, not the secret itself`);
  const v = g.env[name];
  if (!v) throw new UserError(`${flag}: the environment variable ${name} is not set or is empty`);
  return v;
}

function mappingOf(o: MappingFlags) {
  return {
    ...(o.emailFields
      ? {
          emailFields: o.emailFields
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean),
        }
      : {}),
    ...(o.accounts ? { accounts: o.accounts as AccountMatch } : {}),
    ...(o.removeDeletedAccounts ? { companyDeleted: 'remove-account' as const } : {}),
  };
}

function mappingOptions(c: Command): Command {
  return (
    c
      .option(
        '--email-fields <list>',
        'source fields whose addresses make end users (default: the primary email only), e.g. email,hs_additional_emails',
      )
      // No default value here: connecting again (re-authorizing) without --accounts keeps the
      // source's mapping; a default would reset it, and a changed mapping syncs every record again.
      .option(
        '--accounts <how>',
        'how a company finds its account: source-id (its own, made on first sight; the default), domain, external-id',
      )
      .option('--remove-deleted-accounts', 'a company deleted at the source removes its end users (and its account once empty)')
      .option('--json', 'print one JSON document')
  );
}

/** One source's health in plain words (source list, status). */
export function printSource(s: SourceView): void {
  const c = s.counts;
  console.log(`${s.id}  ${s.source}  ${s.status === 'needs_reauth' ? 'NEEDS RE-AUTHORIZATION' : s.status}`);
  console.log(
    `  last sync ${s.lastSyncAt ?? 'never'} (last success ${s.lastSuccessAt ?? 'never'}), next ${s.nextSyncAt ?? 'not scheduled'}`,
  );
  const m = s.mapping;
  console.log(
    `  mapping: ${m.emailFields ? m.emailFields.join(', ') : 'the primary email'}; companies by ${m.accounts}; a deleted company ${m.companyDeleted === 'remove-account' ? 'removes its end users' : 'keeps its account'}`,
  );
  if (c) console.log(`  last sync: ${c.added} added, ${c.updated} updated, ${c.removed} removed, ${c.skipped} skipped`);
  if (s.problem) console.log(`  problem: ${s.problem}`);
  for (const k of s.skipped.slice(0, 10) as { externalId: string; email?: string; reason?: string }[]) {
    console.log(`  skipped ${k.externalId}${k.email ? ` ${k.email}` : ''}: ${k.reason ?? ''}`);
  }
}

function printReport(r: SourceSyncReport): void {
  const c = r.counts;
  console.log(
    `${r.sourceId} (${r.kind}): ${c.added} added, ${c.updated} updated, ${c.removed} removed, ${c.skipped} skipped, ${c.unchanged} unchanged in ${r.pages} pages`,
  );
  console.log(`  past mail and meetings: ${r.linked.length} linked, ${r.unlinked.length} unlinked`);
  printLeftovers(r);
  for (const row of r.rows.filter((x) => x.outcome !== 'added').slice(0, 50)) {
    console.log(
      `  ${row.outcome} ${row.record} ${row.externalId}${row.email ? ` ${row.email}` : ''}${row.accountId ? ` (${row.accountId})` : ''}${row.reason ? `: ${row.reason}` : ''}`,
    );
  }
  if (r.restarted) console.log(`  started again: ${r.restarted}`);
  if (r.problem) console.log(`  ${r.status === 'needs_reauth' ? 'NEEDS RE-AUTHORIZATION' : r.status}: ${r.problem}`);
  if (r.nextSyncAt) console.log(`  next sync ${r.nextSyncAt}`);
}

export function registerSourceCommands(program: Command, g: () => GlobalOptions): void {
  const source = program.command('source').description('directory sources: end users and accounts from HubSpot, Salesforce or Zendesk');
  const connect = source.command('connect').description('connect a directory source (connecting one again re-authorizes it)');

  async function run(kind: SourceKind, settings: Record<string, unknown>, secret: string, o: MappingFlags): Promise<void> {
    const globals = g();
    await withContext(globals, async (ctx) => {
      const { source: s, reauthorized } = await asFlags(
        connectSource({ ...ctx, secretKey: secretKey(globals) }, { kind, settings, secret, mapping: mappingOf(o) }),
        {
          'settings.baseUrl': '--base-url',
          'settings.instanceUrl': '--instance-url',
          'settings.loginUrl': '--login-url',
          'settings.clientId': '--client-id',
          'settings.url': '--url',
          'settings.email': '--email',
          url: '--url',
        },
      );
      if (o.json) return console.log(JSON.stringify({ source: s, reauthorized }, null, 2));
      console.log(
        `${reauthorized ? 'Re-authorized' : 'Connected'} ${s.source} as source ${s.id}; it syncs every few minutes in "touchpoint serve", or now with: touchpoint source sync --source ${s.id}`,
      );
    });
  }

  mappingOptions(
    connect
      .command('hubspot')
      .requiredOption('--token-env <VAR>', 'name of the environment variable holding the private-app access token')
      .option('--base-url <url>', 'HubSpot API root (default https://api.hubapi.com; emulators and tests)'),
  ).action(async (o: MappingFlags & { tokenEnv: string; baseUrl?: string }) => {
    await run('hubspot', o.baseUrl ? { baseUrl: o.baseUrl } : {}, secretFrom(g(), '--token-env', o.tokenEnv), o);
  });
  mappingOptions(
    connect
      .command('salesforce')
      .requiredOption('--instance-url <url>', 'your org, e.g. https://acme.my.salesforce.com')
      .requiredOption('--client-id <id>', "the connected app's consumer key")
      .option('--login-url <url>', 'where tokens are refreshed (default https://login.salesforce.com)')
      .requiredOption('--token-env <VAR>', 'name of the environment variable holding the OAuth refresh token'),
  ).action(async (o: MappingFlags & { instanceUrl: string; clientId: string; loginUrl?: string; tokenEnv: string }) => {
    const settings = { instanceUrl: o.instanceUrl, clientId: o.clientId, ...(o.loginUrl ? { loginUrl: o.loginUrl } : {}) };
    await run('salesforce', settings, secretFrom(g(), '--token-env', o.tokenEnv), o);
  });
  mappingOptions(
    connect
      .command('zendesk')
      .requiredOption('--url <url>', 'https://<subdomain>.zendesk.com')
      .requiredOption('--email <addr>', 'the agent the API token belongs to')
      .requiredOption('--token-env <VAR>', 'name of the environment variable holding the API token'),
  ).action(async (o: MappingFlags & { url: string; email: string; tokenEnv: string }) => {
    await run('zendesk', { url: o.url, email: o.email }, secretFrom(g(), '--token-env', o.tokenEnv), o);
  });

  source
    .command('sync')
    .description('sync directory sources now, in this process, and print what changed')
    .option('--source <id>', 'only this source')
    .option('--json', 'print one JSON document')
    .action(async (o: { source?: string; json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const reports = await syncSourcesHere(ctx, o.source ? { sourceId: o.source } : {});
        if (o.json) return console.log(JSON.stringify(reports, null, 2));
        for (const r of reports) printReport(r);
        if (reports.some((r) => r.status === 'needs_reauth' || r.status === 'error')) process.exitCode = 1;
      });
    });

  source
    .command('list')
    .description('directory sources with their health: last and next sync, counts, problems in plain words')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const all = await listDirectorySources(ctx);
        if (o.json) return console.log(JSON.stringify(all, null, 2));
        if (!all.length)
          return console.log('No directory source. Connect one: touchpoint source connect hubspot --token-env HUBSPOT_TOKEN');
        for (const s of all) printSource(s);
      });
    });

  source
    .command('disconnect')
    .description('stop syncing a source and delete its secret; keep or remove the end users it made')
    .requiredOption('--source <id>', 'the source')
    .option('--keep-users', 'keep its end users (they stay until deleted by hand)')
    .option('--remove-users', 'remove its end users (their past mail is re-decided)')
    .option('--json', 'print one JSON document')
    .action(async (o: { source: string; keepUsers?: boolean; removeUsers?: boolean; json?: boolean }) => {
      if (!!o.keepUsers === !!o.removeUsers) throw new UserError('say what happens to its end users: --keep-users or --remove-users');
      await withContext(g(), async (ctx) => {
        const r = await disconnectSource(ctx, { sourceId: o.source, users: o.removeUsers ? 'remove' : 'keep' });
        if (o.json) return console.log(JSON.stringify(r, null, 2));
        console.log(
          `Disconnected source ${r.sourceId}; ${o.removeUsers ? `removed ${r.removedEndUsers} end users (${r.linked} items linked, ${r.unlinked} unlinked)` : 'its end users stay'}.`,
        );
        printLeftovers(r);
      });
    });
}
