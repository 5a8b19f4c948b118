// What a destructive or wide action would change, computed without writing: the change runs
// for real (the same use-case code, the same re-decision of the past) inside a transaction
// that is then rolled back, so the preview cannot drift from what the action does. Nothing is
// audited: nothing happened. The page shows the answer before the person confirms.
import type { Ctx } from '../store/context.js';
import { countSeenBy } from '../store/connections.js';
import { listAccounts } from '../store/directory.js';
import type { LinkChange } from '../sync/redecide.js';
import { requireConnection } from './deps.js';
import {
  addToBlocklistIn,
  customerAccountsOfDomain,
  deleteEndUserIn,
  parseBlocklistEntry,
  type ChangeResult,
} from './directory-changes.js';

export type ChangeToPreview =
  | { kind: 'blocklist'; entry: string }
  | { kind: 'delete_end_user'; accountId: string; email: string; suppress: boolean }
  | { kind: 'disconnect'; connectionId: string };

export interface AccountEffect {
  accountId: string;
  name: string;
  emails: number;
  meetings: number;
}

export interface ChangePreview {
  kind: ChangeToPreview['kind'];
  /** Links to the past this change would remove, per account. */
  removes: AccountEffect[];
  /** Links it would add (rare: e.g. an address that stops shadowing another). */
  adds: AccountEffect[];
  /** What must be typed to confirm it (a customer's own domain); absent when a click is enough. */
  confirm?: string;
  /** One sentence for a person: "Stops logging … from now and removes 37 past links". */
  summary: string;
}

/** Thrown to roll the dry run's transaction back, carrying what it computed. */
class RolledBack extends Error {
  constructor(readonly result: ChangeResult) {
    super('dry run');
  }
}

async function dryRun(ctx: Ctx, change: (tctx: Ctx) => Promise<ChangeResult>): Promise<ChangeResult> {
  try {
    await ctx.db.transaction().execute(async (trx) => {
      throw new RolledBack(await change({ ...ctx, db: trx }));
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.result;
    throw err;
  }
  throw new Error('a dry run always rolls back');
}

function byAccount(changes: LinkChange[], names: Map<string, string>): AccountEffect[] {
  const out = new Map<string, AccountEffect>();
  for (const c of changes) {
    const e = out.get(c.accountId) ?? { accountId: c.accountId, name: names.get(c.accountId) ?? c.accountId, emails: 0, meetings: 0 };
    if (c.kind === 'email') e.emails++;
    else e.meetings++;
    out.set(c.accountId, e);
  }
  return [...out.values()];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const items = (e: AccountEffect) =>
  [e.emails ? plural(e.emails, 'email') : '', e.meetings ? plural(e.meetings, 'meeting') : ''].filter(Boolean).join(' and ');
const total = (list: AccountEffect[]) => list.reduce((n, e) => n + e.emails + e.meetings, 0);

function linkWords(removes: AccountEffect[], adds: AccountEffect[]): string {
  const parts: string[] = [];
  const n = total(removes);
  parts.push(
    n ? `removes ${plural(n, 'past link')} (${removes.map((e) => `${items(e)} on ${e.name}`).join('; ')})` : 'removes no past link',
  );
  if (adds.length) parts.push(`adds ${plural(total(adds), 'past link')} (${adds.map((e) => `${items(e)} on ${e.name}`).join('; ')})`);
  return parts.join(' and ');
}

export async function previewChange(ctx: Ctx, change: ChangeToPreview): Promise<ChangePreview> {
  const names = new Map((await listAccounts(ctx.db, ctx.ws.id)).map((a) => [a.id, a.name]));
  if (change.kind === 'disconnect') {
    const conn = await requireConnection(ctx, change.connectionId);
    const seen = await countSeenBy(ctx.db, ctx.ws.id, conn.id);
    const who = conn.ownerAddresses[0] ?? conn.id;
    return {
      kind: 'disconnect',
      removes: [],
      adds: [],
      summary:
        `Stops syncing ${who}'s ${conn.provider} connection from now and deletes its stored credentials; ` +
        `the ${plural(seen.emails, 'email')} and ${plural(seen.meetings, 'meeting')} it has seen stay on the timelines.`,
    };
  }
  if (change.kind === 'delete_end_user') {
    const r = await dryRun(ctx, (tctx) => deleteEndUserIn(tctx, change.accountId, change.email, change.suppress));
    const removes = byAccount(r.unlinked, names);
    const adds = byAccount(r.linked, names);
    const account = names.get(change.accountId) ?? change.accountId;
    return {
      kind: 'delete_end_user',
      removes,
      adds,
      summary:
        `Stops logging mail and meetings with ${change.email} on ${account} from now and ${linkWords(removes, adds)}` +
        `${change.suppress ? '; its source cannot create it again' : ''}.`,
    };
  }
  const e = parseBlocklistEntry(change.entry);
  const customers = await customerAccountsOfDomain(ctx, e);
  const r = await dryRun(ctx, (tctx) => addToBlocklistIn(tctx, e));
  const removes = byAccount(r.unlinked, names);
  const adds = byAccount(r.linked, names);
  const whose = customers.length
    ? ` on ${customers.map((c) => `${names.get(c.accountId) ?? c.accountId} (${plural(c.endUsers, 'end user')})`).join(', ')}`
    : '';
  return {
    kind: 'blocklist',
    removes,
    adds,
    ...(customers.length ? { confirm: e.entry } : {}),
    summary: `Stops logging mail and meetings with ${e.entry}${whose} from now and ${linkWords(removes, adds)}.`,
  };
}
