// Email activities: one row per message (deduplicated), every sighting kept, links per account.
// Seen-but-not-linked mail keeps only Message-ID, time, hashed participants and the
// decision's codes — no subject, body or plain addresses (the troubleshooter's rule for seen-but-not-linked mail).
import { newId } from './ids.js';
import type { Decision } from '../domain/decision.js';
import type { Address } from '../domain/items.js';
import type { Store } from './db.js';
import type { EmailsTable } from './schema.js';

export interface StoredParticipants {
  from: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
}

export interface EmailSightingRow {
  connectionId: string;
  folder: string;
  ref: string;
  at: Date;
  seenAt: Date;
}

export interface EmailRecord {
  id: string;
  dedupKey: string;
  messageId: string | null;
  at: Date;
  outcome: string;
  decision: Decision;
  participants: StoredParticipants | null;
  subject: string | null;
  bodyText: string | null;
  bodyHtml: string | null;
  decidedAt: Date;
}

export function emailFromRow(r: EmailsTable): EmailRecord {
  return {
    id: r.id,
    dedupKey: r.dedup_key,
    messageId: r.message_id,
    at: new Date(r.at),
    outcome: r.outcome,
    decision: JSON.parse(r.decision) as Decision,
    participants: r.participants ? (JSON.parse(r.participants) as StoredParticipants) : null,
    subject: r.subject,
    bodyText: r.body_text,
    bodyHtml: r.body_html,
    decidedAt: new Date(r.decided_at),
  };
}

/** Codes only: what a not-linked record may keep. */
export function redactDecision(d: Decision): Decision {
  return {
    kind: d.kind,
    outcome: d.outcome,
    accounts: [],
    checks: d.checks.map((c) => ({ rule: c.rule, status: c.status, code: c.code, detail: '' })),
    remedies: d.remedies.map((r) => ({ code: r.code, text: '' })),
    hints: [],
  };
}

export async function findEmailByKey(db: Store, ws: string, dedupKey: string): Promise<EmailRecord | undefined> {
  const r = await db.selectFrom('emails').selectAll().where('workspace_id', '=', ws).where('dedup_key', '=', dedupKey).executeTakeFirst();
  return r ? emailFromRow(r) : undefined;
}

export async function getEmail(db: Store, ws: string, id: string): Promise<EmailRecord | undefined> {
  const r = await db.selectFrom('emails').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
  return r ? emailFromRow(r) : undefined;
}

export async function findEmailsByMessageId(db: Store, ws: string, messageId: string): Promise<EmailRecord[]> {
  // By dedup key: an email with a Message-ID is keyed "mid:<id>" (the unique index answers).
  const rows = await db
    .selectFrom('emails')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('dedup_key', '=', `mid:${messageId}`)
    .execute();
  return rows.map(emailFromRow);
}

export async function emailSightings(db: Store, ws: string, emailId: string): Promise<EmailSightingRow[]> {
  const rows = await db
    .selectFrom('email_sightings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('email_id', '=', emailId)
    .orderBy('seen_at')
    .execute();
  return rows.map((r) => ({
    connectionId: r.connection_id,
    folder: r.folder,
    ref: r.ref,
    at: new Date(r.at),
    seenAt: new Date(r.seen_at),
  }));
}

export interface EmailWrite {
  id?: string;
  dedupKey: string;
  messageId: string | null;
  at: Date;
  decision: Decision;
  /** Linked mail only. */
  content: { participants: StoredParticipants; subject: string; bodyText: string | null; bodyHtml: string | null } | null;
  hashes: string[];
  /** The sender's keyed hash (find by sender); null when the message names no From. */
  fromHash?: string | null;
  newSightings: EmailSightingRow[];
  now: Date;
}

/** The emails row for a write: content and details only when linked. */
function emailValues(w: EmailWrite) {
  const linked = w.decision.outcome === 'linked';
  const decision = JSON.stringify(linked ? w.decision : redactDecision(w.decision));
  const content = linked ? w.content : null;
  return {
    message_id: w.messageId,
    at: w.at.toISOString(),
    outcome: w.decision.outcome,
    decision,
    participants: content ? JSON.stringify(content.participants) : null,
    subject: content?.subject ?? null,
    body_text: content?.bodyText ?? null,
    body_html: content?.bodyHtml ?? null,
    decided_at: w.now.toISOString(),
    from_hash: w.fromHash ?? null,
  };
}

/** Insert or update one email with its links, hashes and new sightings. Idempotent. */
export async function saveEmail(db: Store, ws: string, w: EmailWrite): Promise<string> {
  const id = w.id ?? newId();
  const linked = w.decision.outcome === 'linked';
  const values = emailValues(w);
  if (w.id) {
    await db.updateTable('emails').set(values).where('workspace_id', '=', ws).where('id', '=', id).execute();
  } else {
    await db
      .insertInto('emails')
      .values({ id, workspace_id: ws, dedup_key: w.dedupKey, first_seen_at: w.now.toISOString(), ...values })
      .execute();
  }
  await db.deleteFrom('email_links').where('workspace_id', '=', ws).where('item_id', '=', id).execute();
  if (linked) {
    for (const a of w.decision.accounts) {
      await db
        .insertInto('email_links')
        .values({ workspace_id: ws, item_id: id, account_id: a.id, via: JSON.stringify(a.via), at: w.at.toISOString() })
        .execute();
    }
  }
  for (const h of w.hashes) {
    await db
      .insertInto('participant_hashes')
      .values({ workspace_id: ws, kind: 'email', item_id: id, addr_hash: h })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const s of w.newSightings) {
    await db
      .insertInto('email_sightings')
      .values({
        workspace_id: ws,
        email_id: id,
        connection_id: s.connectionId,
        folder: s.folder,
        ref: s.ref,
        at: s.at.toISOString(),
        seen_at: s.seenAt.toISOString(),
      })
      // The same ref in another folder: a Graph immutable id after a move. The sighting says
      // where the message is now (IMAP refs name their folder, so they never meet here).
      .onConflict((oc) => oc.columns(['connection_id', 'ref']).doUpdateSet({ folder: s.folder }))
      .execute();
  }
  return id;
}

/** Emails by id, a page at a time (re-decisions). */
export async function getEmailsByIds(db: Store, ws: string, ids: string[]): Promise<Map<string, EmailRecord>> {
  const out = new Map<string, EmailRecord>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('emails')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.id, emailFromRow(r));
  }
  return out;
}

/** The sightings of these emails, by email id, each list in the order `emailSightings` gives. */
export async function sightingsOfEmails(db: Store, ws: string, ids: string[]): Promise<Map<string, EmailSightingRow[]>> {
  const out = new Map<string, EmailSightingRow[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('email_sightings')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('email_id', 'in', ids.slice(i, i + 500))
      .orderBy('seen_at')
      .execute();
    for (const r of rows) {
      const row = { connectionId: r.connection_id, folder: r.folder, ref: r.ref, at: new Date(r.at), seenAt: new Date(r.seen_at) };
      const list = out.get(r.email_id);
      if (list) list.push(row);
      else out.set(r.email_id, [row]);
    }
  }
  return out;
}

/**
 * Write back emails that were decided again (each has an id): what saveEmail does for an
 * update, for a whole page — one UPDATE per email, the links replaced and the hashes and
 * sightings added in a few multi-row statements.
 */
export async function updateEmails(db: Store, ws: string, writes: EmailWrite[]): Promise<void> {
  // One multi-row upsert per 200 emails instead of an UPDATE each (one statement per email
  // was most of a directory change's time). The rows exist, so the insert half never applies.
  const rows = writes.map((w) => ({
    id: w.id!,
    workspace_id: ws,
    dedup_key: w.dedupKey,
    first_seen_at: w.now.toISOString(),
    ...emailValues(w),
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('emails')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            message_id: eb.ref('excluded.message_id'),
            at: eb.ref('excluded.at'),
            outcome: eb.ref('excluded.outcome'),
            decision: eb.ref('excluded.decision'),
            participants: eb.ref('excluded.participants'),
            subject: eb.ref('excluded.subject'),
            body_text: eb.ref('excluded.body_text'),
            body_html: eb.ref('excluded.body_html'),
            decided_at: eb.ref('excluded.decided_at'),
            from_hash: eb.ref('excluded.from_hash'),
          }))
          .where('emails.workspace_id', '=', ws),
      )
      .execute();
  }
  const ids = writes.map((w) => w.id!);
  for (let i = 0; i < ids.length; i += 500)
    await db
      .deleteFrom('email_links')
      .where('workspace_id', '=', ws)
      .where('item_id', 'in', ids.slice(i, i + 500))
      .execute();
  const links = writes.flatMap((w) =>
    w.decision.outcome === 'linked'
      ? w.decision.accounts.map((a) => ({
          workspace_id: ws,
          item_id: w.id!,
          account_id: a.id,
          via: JSON.stringify(a.via),
          at: w.at.toISOString(),
        }))
      : [],
  );
  const hashes = writes.flatMap((w) =>
    [...new Set(w.hashes)].map((h) => ({ workspace_id: ws, kind: 'email' as const, item_id: w.id!, addr_hash: h })),
  );
  const sightings = writes.flatMap((w) =>
    w.newSightings.map((s) => ({
      workspace_id: ws,
      email_id: w.id!,
      connection_id: s.connectionId,
      folder: s.folder,
      ref: s.ref,
      at: s.at.toISOString(),
      seen_at: s.seenAt.toISOString(),
    })),
  );
  const chunk = async <T>(rows: T[], size: number, fn: (part: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += size) await fn(rows.slice(i, i + size));
  };
  await chunk(links, 400, (part) => db.insertInto('email_links').values(part).execute());
  await chunk(hashes, 1000, (part) =>
    db
      .insertInto('participant_hashes')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute(),
  );
  await chunk(sightings, 400, (part) =>
    db
      .insertInto('email_sightings')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute(),
  );
}

/** Emails of these dedup keys, by key: one query for a whole page instead of one per message. */
export async function findEmailsByKeys(db: Store, ws: string, keys: string[]): Promise<Map<string, EmailRecord>> {
  const out = new Map<string, EmailRecord>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('emails')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('dedup_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.dedup_key, emailFromRow(r));
  }
  return out;
}

/**
 * Insert emails never seen before, with their links, hashes and sightings, in a few
 * multi-row statements (an initial sync inserts thousands; one statement per row made the
 * store the bottleneck). Returns the new ids in order.
 */
export async function insertNewEmails(db: Store, ws: string, writes: EmailWrite[]): Promise<string[]> {
  const ids = writes.map(() => newId());
  const chunk = async <T>(rows: T[], size: number, fn: (part: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += size) await fn(rows.slice(i, i + size));
  };
  const emails = writes.map((w, i) => ({
    id: ids[i]!,
    workspace_id: ws,
    dedup_key: w.dedupKey,
    first_seen_at: w.now.toISOString(),
    ...emailValues(w),
  }));
  const links = writes.flatMap((w, i) =>
    w.decision.outcome === 'linked'
      ? w.decision.accounts.map((a) => ({
          workspace_id: ws,
          item_id: ids[i]!,
          account_id: a.id,
          via: JSON.stringify(a.via),
          at: w.at.toISOString(),
        }))
      : [],
  );
  const hashes = writes.flatMap((w, i) =>
    [...new Set(w.hashes)].map((h) => ({ workspace_id: ws, kind: 'email' as const, item_id: ids[i]!, addr_hash: h })),
  );
  const sightings = writes.flatMap((w, i) =>
    w.newSightings.map((s) => ({
      workspace_id: ws,
      email_id: ids[i]!,
      connection_id: s.connectionId,
      folder: s.folder,
      ref: s.ref,
      at: s.at.toISOString(),
      seen_at: s.seenAt.toISOString(),
    })),
  );
  // Chunks stay under SQLite's bound-parameter limit.
  await chunk(emails, 200, (part) => db.insertInto('emails').values(part).execute());
  await chunk(links, 400, (part) => db.insertInto('email_links').values(part).execute());
  await chunk(hashes, 1000, (part) =>
    db
      .insertInto('participant_hashes')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute(),
  );
  await chunk(sightings, 400, (part) =>
    db
      .insertInto('email_sightings')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute(),
  );
  return ids;
}

/** The body of a linked email, downloaded after its headers were decided (IMAP). */
export async function setEmailBody(db: Store, ws: string, id: string, text: string | null, html: string | null): Promise<void> {
  await db
    .updateTable('emails')
    .set({ body_text: text, body_html: html })
    .where('workspace_id', '=', ws)
    .where('id', '=', id)
    .where('outcome', '=', 'linked')
    .execute();
}

/** Ids of items (email or meeting) that involve any of these hashed addresses. */
export async function itemIdsByHashes(db: Store, ws: string, kind: 'email' | 'meeting', hashes: string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const out = new Set<string>();
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db
      .selectFrom('participant_hashes')
      .select('item_id')
      .where('workspace_id', '=', ws)
      .where('kind', '=', kind)
      .where('addr_hash', 'in', hashes.slice(i, i + 500))
      .execute();
    for (const r of rows) out.add(r.item_id);
  }
  return [...out];
}

/** Ids of linked emails, for re-decisions that can only remove links (blocklist add). */
export async function linkedEmailIds(db: Store, ws: string): Promise<string[]> {
  const rows = await db.selectFrom('emails').select('id').where('workspace_id', '=', ws).where('outcome', '=', 'linked').execute();
  return rows.map((r) => r.id);
}
