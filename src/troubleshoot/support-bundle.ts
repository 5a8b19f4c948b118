// The support bundle: one JSON document to attach when writing to support — the
// explanation of one email or meeting, the health of the connections that matter, and the
// audit entries that touched it. No secrets: connection credentials, tokens and webhook
// secrets are not read here at all, and not-linked mail has no content to leak.
import { listAudit, type AuditEntry } from '../store/audit.js';
import { emailSightings, findEmailsByMessageId } from '../store/emails.js';
import { meetingSightings, meetingsByUid } from '../store/meetings.js';
import type { Ctx } from '../store/context.js';
import { explainEmail, explainMeeting, stripAngles, type Explanation } from './explain.js';
import { connectionHealth } from './status.js';

/** How far back the audit log is searched for entries about the item. */
const AUDIT_WINDOW = 2000;

function mentions(e: AuditEntry, needles: string[]): boolean {
  const hay = `${e.target} ${JSON.stringify(e.details)}`.toLowerCase();
  return needles.some((n) => n && hay.includes(n.toLowerCase()));
}

export async function supportBundle(ctx: Ctx, what: { messageId: string } | { uid: string; occurrence?: Date }) {
  const explanation: Explanation =
    'messageId' in what ? await explainEmail(ctx, what.messageId) : await explainMeeting(ctx, what.uid, what.occurrence);
  const health = await connectionHealth(ctx);
  // The connections that saw it (or, for an item never seen, every one that was searched).
  const relevant = new Set([...(explanation.searched?.map((s) => s.id) ?? []), ...(await sawIt(ctx, what))]);
  const connections = relevant.size ? health.connections.filter((c) => relevant.has(c.id)) : health.connections;
  const needles = [
    explanation.ref,
    ...explanation.accounts.flatMap((a) => [`${a.id}/`, ...a.via.map((v) => v.email)]),
    ...explanation.hints.flatMap((h) => [h.endUserEmail, h.participant]),
  ];
  const audit = (await listAudit(ctx.db, ctx.ws.id, AUDIT_WINDOW)).filter((e) => mentions(e, needles)).slice(0, 100);
  return {
    generatedAt: ctx.now.toISOString(),
    workspace: { slug: ctx.ws.slug, internalDomains: ctx.ws.internalDomains, syncIntervalMinutes: ctx.ws.syncIntervalMinutes },
    explanation,
    connections,
    audit,
  };
}

async function sawIt(ctx: Ctx, what: { messageId: string } | { uid: string }): Promise<string[]> {
  const ws = ctx.ws.id;
  if ('messageId' in what) {
    const ids: string[] = [];
    for (const e of await findEmailsByMessageId(ctx.db, ws, stripAngles(what.messageId)))
      ids.push(...(await emailSightings(ctx.db, ws, e.id)).map((s) => s.connectionId));
    return ids;
  }
  const ids: string[] = [];
  for (const m of (await meetingsByUid(ctx.db, ws, what.uid)).slice(0, 50))
    ids.push(...(await meetingSightings(ctx.db, ws, m.id)).map((s) => s.connectionId));
  return ids;
}
