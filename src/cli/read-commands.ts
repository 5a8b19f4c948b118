// timeline, explain, search, status: every one takes --json and then prints one JSON document.
import { listDirectorySources } from '../app/sources.js';
import { printSource } from './source-commands.js';
import type { Command } from 'commander';
import { AppError } from '../app/errors.js';
import { accountTimelinePage, TIMELINE_DEFAULT_LIMIT, TIMELINE_MAX_LIMIT } from '../app/account-timeline.js';
import { explainEmail, explainMeeting } from '../app/explain.js';
import { search } from '../app/search.js';
import { connectionStatus } from '../app/status.js';
import { asFlags, parseDate, UserError, withContext, type GlobalOptions } from './context.js';
import { printExplanation, printSearch, printStatus, printTimeline } from './print.js';

export function registerReadCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('timeline <account-id>')
    .description("an account's emails and meetings, newest first")
    .option('--limit <n>', `at most this many items (default ${TIMELINE_DEFAULT_LIMIT}, at most ${TIMELINE_MAX_LIMIT})`)
    .option('--before <cursor>', 'the items older than this cursor (printed as "next" by the page before)')
    .option('--json', 'print one JSON document')
    .action(async (accountId: string, o: { json?: boolean; limit?: string; before?: string }) => {
      await withContext(g(), async (ctx) => {
        const query = {
          ...(o.limit !== undefined ? { limit: Number(o.limit) } : {}),
          ...(o.before !== undefined ? { before: o.before } : {}),
        };
        const {
          account,
          items: page,
          next,
        } = await asFlags(accountTimelinePage(ctx, accountId, query), { limit: '--limit', before: '--before' }).catch((err: unknown) => {
          // The CLI's words for a missing account, as every other command says it.
          if (err instanceof AppError && err.code === 'not_found') throw new UserError(`unknown account "${accountId}"`);
          throw err;
        });
        const items = page.map((it) =>
          it.kind === 'email'
            ? { kind: it.kind, messageId: it.messageId, at: it.at, subject: it.subject, via: it.via }
            : { kind: it.kind, uid: it.uid, occurrence: it.occurrence, at: it.at, title: it.title, via: it.via },
        );
        if (o.json) console.log(JSON.stringify({ account, items, ...(next ? { next } : {}) }, null, 2));
        else printTimeline(account, items, next);
      });
    });

  const explain = program.command('explain').description('why an email or meeting was logged, or why not');
  explain
    .command('email <message-id>')
    .option('--json', 'print one JSON document')
    .action(async (id: string, o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await asFlags(explainEmail(ctx, { messageId: id }), { messageId: '<message-id>' });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printExplanation(r);
      });
    });
  explain
    .command('meeting <uid>')
    .option('--occurrence <iso>', 'which occurrence of a recurring series (its start)')
    .option('--json', 'print one JSON document')
    .action(async (uid: string, o: { occurrence?: string; json?: boolean }) => {
      const occ = o.occurrence ? parseDate(o.occurrence, '--occurrence') : undefined;
      await withContext(g(), async (ctx) => {
        const r = await asFlags(explainMeeting(ctx, { uid, ...(occ ? { occurrence: occ } : {}) }), { uid: '<uid>' });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printExplanation(r);
      });
    });

  program
    .command('search <address-or-part>')
    .description('where an address is an end user, which teammate uses it, its recent activities')
    .option('--json', 'print one JSON document')
    .action(async (q: string, o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await asFlags(search(ctx, { q }), { q: '<address-or-part>' });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printSearch(r);
      });
    });

  program
    .command('status')
    .description('connection and directory-source health: status, last/next sync, counts, errors')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await connectionStatus(ctx);
        const sources = await listDirectorySources(ctx);
        if (o.json) return console.log(JSON.stringify({ ...r, sources }, null, 2));
        printStatus(r);
        if (sources.length) console.log('\nDirectory sources:');
        for (const s of sources) printSource(s);
      });
    });
}
