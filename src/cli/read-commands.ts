// timeline, explain, search, status: every one takes --json and then prints one JSON document.
import type { Command } from 'commander';
import { getAccount } from '../store/directory.js';
import { accountTimeline } from '../store/timeline.js';
import { explainEmail, explainMeeting } from '../app/explain.js';
import { search } from '../app/search.js';
import { connectionStatus } from '../app/status.js';
import { asFlags, parseDate, UserError, withContext, type GlobalOptions } from './context.js';
import { printExplanation, printSearch, printStatus, printTimeline } from './print.js';

export function registerReadCommands(program: Command, g: () => GlobalOptions): void {
  program
    .command('timeline <account-id>')
    .description("an account's emails and meetings, newest first")
    .option('--json', 'print one JSON document')
    .action(async (accountId: string, o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const account = await getAccount(ctx.db, ctx.ws.id, accountId);
        if (!account) throw new UserError(`unknown account "${accountId}"`);
        const items = (await accountTimeline(ctx.db, ctx.ws.id, accountId)).map((it) =>
          it.kind === 'email'
            ? { kind: it.kind, messageId: it.messageId, at: it.at, subject: it.subject, via: it.via }
            : { kind: it.kind, uid: it.uid, occurrence: it.occurrence, at: it.at, title: it.title, via: it.via },
        );
        if (o.json) console.log(JSON.stringify({ account, items }, null, 2));
        else printTimeline(account, items);
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
    .description('connection health: status, last/next sync, counts, errors')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await connectionStatus(ctx);
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printStatus(r);
      });
    });
}
