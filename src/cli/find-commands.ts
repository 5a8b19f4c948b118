// touchpoint find email|meeting: "Where is my email?" by what the CSM remembers. Thin: the
// flags become the use case's query (src/app/find.ts), the answer is printed.
import { Option, type Command } from 'commander';
import { findEmails, findMeetings } from '../app/find.js';
import type { AppDeps } from '../app/deps.js';
import { liveFind } from '../app/live-find.js';
import { asFlags, withContext, type GlobalOptions } from './context.js';
import { printFound } from './print-find.js';

interface RangeFlags {
  on?: string;
  since?: string;
  until?: string;
  teammate?: string;
  limit?: string;
  askMailboxes?: boolean;
  json?: boolean;
}

/** --on and --since/--until exclude each other: commander reports it as a usage error (exit 2). */
function rangeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--on <YYYY-MM-DD>', 'one day (UTC)').conflicts(['since', 'until']))
    .option('--since <iso>', 'from this instant (ISO 8601)')
    .option('--until <iso>', 'up to this instant, excluded')
    .option('--teammate <addr>', "only this teammate's connections")
    .option('--limit <n>', 'at most this many candidates (default 20)')
    .option('--ask-mailboxes', 'ask the connected mailboxes / calendars too, even when Touchpoint has candidates')
    .option('--json', 'print { "candidates": [...] }');
}

function common(o: RangeFlags) {
  return {
    ...(o.on !== undefined ? { on: o.on } : {}),
    ...(o.since !== undefined ? { since: o.since } : {}),
    ...(o.until !== undefined ? { until: o.until } : {}),
    ...(o.teammate !== undefined ? { teammate: o.teammate } : {}),
    ...(o.limit !== undefined ? { limit: Number(o.limit) } : {}),
    ...(o.askMailboxes ? { askMailboxes: true } : {}),
  };
}

/** The live lookup at the provider; with --teammate, that teammate's own mailbox hits show their subject. */
const withLive = <D extends AppDeps>(ctx: D, teammate?: string) => ({ ...ctx, live: liveFind(ctx, teammate ? { viewer: teammate } : {}) });

export function registerFindCommands(program: Command, g: () => GlobalOptions): void {
  const find = program.command('find').description('find an email or meeting by what you remember, and why it is (not) on the timeline');
  rangeOptions(
    find
      .command('email')
      .description('by sender, recipient, subject words, a day or range (at least an address or subject words)')
      .option('--from <addr>', 'the sender')
      .option('--to <addr>', 'a recipient (To, Cc or Bcc)')
      .option('--subject <words>', 'words of the subject, all of them'),
  ).action(async (o: RangeFlags & { from?: string; to?: string; subject?: string }) => {
    const query = {
      ...(o.from !== undefined ? { from: o.from } : {}),
      ...(o.to !== undefined ? { to: o.to } : {}),
      ...(o.subject !== undefined ? { subject: o.subject } : {}),
      ...common(o),
    };
    await withContext(g(), async (ctx) => {
      const r = await asFlags(findEmails(withLive(ctx, o.teammate), query), { 'from|to|subject': '--from, --to or --subject' });
      printFound('email', query, r, !!o.json);
    });
  });
  rangeOptions(
    find
      .command('meeting')
      .description('by title words, an attendee, a day or range (at least title words or an attendee)')
      .option('--title <words>', 'words of the title, all of them')
      .option('--attendee <addr>', 'an attendee or the organizer'),
  ).action(async (o: RangeFlags & { title?: string; attendee?: string }) => {
    const query = {
      ...(o.title !== undefined ? { title: o.title } : {}),
      ...(o.attendee !== undefined ? { attendee: o.attendee } : {}),
      ...common(o),
    };
    await withContext(g(), async (ctx) => {
      const r = await asFlags(findMeetings(withLive(ctx, o.teammate), query), { 'title|attendee': '--title or --attendee' });
      printFound('meeting', query, r, !!o.json);
    });
  });
}
