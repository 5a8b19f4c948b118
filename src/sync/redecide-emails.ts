// A page of stored emails decided again after a directory change, and written back: for each
// email what storeEmail (email-ingest.ts) decides and writes with no new sighting, from the
// lean records a re-decision reads (store/redecide-reads.ts), set-based (store/redecide-writes.ts).
// Every email is still decided by the rules: its stored codes, remedies and `via` are theirs.
import type { Decision } from '../domain/decision.js';
import type { EmailItem } from '../domain/items.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { decideEmailForSync } from '../rules/decide-email.js';
import type { ConnectionRecord } from '../store/connections.js';
import { hashAddress, type Ctx } from '../store/context.js';
import type { EmailWrite } from '../store/email-writes.js';
import type { EmailSightingRow } from '../store/emails.js';
import type { LeanEmailRecord } from '../store/redecide-reads.js';
import type { RedecidedWriter } from '../store/redecide-writes.js';
import { getWebhook } from '../store/webhooks.js';
import { dedupKey, type IngestResult, sightingViews } from './email-ingest.js';
import { linkedAccounts, recordLinkChanges } from './link-events.js';
import type { WaitReason } from './reload-emails.js';

export interface RedecidedEmail {
  /** The stored participants (linked mail), or the message re-read from its sources. */
  item: EmailItem;
  existing: LeanEmailRecord;
  /** Its stored sightings, in the order they were seen. */
  prior: EmailSightingRow[];
  /** Another copy was refused for now: a "not linked" result is not written (it waits for that copy). */
  refused?: WaitReason;
}

/**
 * Whether the workspace's webhook takes link events: asked once per change (nothing in it
 * changes the webhook), so a change of 10,000 emails builds no event for a workspace without one.
 */
export async function wantsLinkEvents(ctx: Ctx): Promise<boolean> {
  const hook = await getWebhook(ctx.db, ctx.ws.id);
  return !!hook?.enabled && (hook.events.includes('activity.linked') || hook.events.includes('activity.unlinked'));
}

/**
 * Decide a page again and hand it to the change's writer; the link changes go to the webhook
 * outbox when it wants them. Null for an email left as stored: decided "not linked" while a copy
 * was refused (`refused`), it waits for that copy (sync/deferred-redecide.ts).
 */
export async function storeRedecidedPage(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  change: { writer: RedecidedWriter; linkEvents: boolean },
  emails: RedecidedEmail[],
): Promise<(IngestResult | null)[]> {
  const senders = new Map<string, string>();
  const all = emails.map((e) => prepareRedecision(ctx, dir, conns, e, senders));
  const held = (p: (typeof all)[number], k: number) => !!emails[k]!.refused && p.decision.outcome !== 'linked';
  // Nearly every page has no partly refused email: nothing to filter then.
  const anyRefused = emails.some((e) => e.refused);
  const prepared = anyRefused ? all.filter((p, k) => !held(p, k)) : all;
  const stored = (anyRefused ? emails.filter((_, k) => !held(all[k]!, k)) : emails).map(({ existing: r }) => ({
    hasContent: !!r.participants,
    at: r.at,
    messageId: r.messageId,
    fromHash: r.fromHash,
  }));
  await change.writer.page(
    prepared.map((p) => p.write),
    stored,
  );
  if (change.linkEvents)
    await recordLinkChanges(
      ctx,
      prepared.map((p) => ({
        kind: 'email',
        id: p.write.id!,
        ref: p.write.messageId ?? p.write.dedupKey,
        at: p.write.at,
        before: p.previousAccounts,
        after: linkedAccounts(p.decision),
      })),
    );
  return all.map((p, k) =>
    anyRefused && held(p, k) ? null : { id: p.write.id!, decision: p.decision, previousAccounts: p.previousAccounts },
  );
}

/**
 * email-ingest.ts prepareEmail for a stored email with no new sighting, without what cannot
 * change its result here: the item is the stored participants themselves or, when none are
 * stored, a re-read (so merging it with the stored record gives it back unchanged), and the
 * participants' hashes are kept as stored (only the sender's is compared, for the grouped update).
 */
function prepareRedecision(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  { item, existing, prior }: RedecidedEmail,
  senders: Map<string, string>,
): { write: EmailWrite; decision: Decision; previousAccounts: string[] } {
  const decision = decideEmailForSync({ item, sightings: sightingViews(prior, conns) }, dir, ctx.now, { promiseMinutes: 30 });
  // The earliest of the stored time, the sightings' and the item's (prepareEmail's reduce, in its order).
  let at = item.receivedAt;
  if (!(at < existing.at)) at = existing.at;
  for (const s of prior) if (!(at < s.at)) at = s.at;
  const write: EmailWrite = {
    id: existing.id,
    dedupKey: dedupKey(item),
    messageId: item.messageId,
    at,
    decision,
    content: {
      participants: { from: item.from, to: item.to, cc: item.cc, bcc: item.bcc },
      subject: item.subject,
      bodyText: item.text ?? null,
      bodyHtml: item.html ?? null,
    },
    // A re-decision keeps the stored hashes (the participants are the same message's).
    hashes: [],
    fromHash: senderHash(ctx, item, senders),
    newSightings: [],
    now: ctx.now,
  };
  return { write, decision, previousAccounts: existing.previousAccounts };
}

/**
 * The keyed hash of the sender: the first From address that normalizes to something, which is
 * the first of rules/participants.ts emailParticipants when it is a From one. Hashed once per page.
 */
function senderHash(ctx: Ctx, item: EmailItem, senders: Map<string, string>): string | null {
  for (const a of item.from) {
    const address = normalizeAddress(a.address);
    if (!address) continue;
    let h = senders.get(address);
    if (h === undefined) {
      h = hashAddress(ctx, address);
      senders.set(address, h);
    }
    return h;
  }
  return null;
}
