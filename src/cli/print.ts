// Human-readable output for the CLI (the --json forms are the documents themselves).
import type { ChangeResult } from '../app/directory-changes.js';
import { describeFolders } from '../providers/folder-selection.js';
import type { Leftovers } from '../sync/redecide.js';
import type { SyncReport } from '../sync/run-sync.js';
import { progressLine } from '../sync/progress-eta.js';
import { refusalWords } from '../troubleshoot/code-text.js';
import type { Explanation } from '../troubleshoot/explain.js';
import type { globalSearch } from '../troubleshoot/search.js';
import type { connectionHealth } from '../troubleshoot/status.js';

const MARK = { pass: '✓', fail: '✗', 'n/a': '–' } as const;

export function printSyncReports(reports: SyncReport[]): void {
  if (reports.length === 0) console.log('No connections to sync. Connect one with "touchpoint connect folder …".');
  for (const r of reports) {
    const head = `${r.teammate} [${r.connectionId}]: ${r.status}`;
    console.log(r.failure ? `${head} — ${r.failure}` : head);
    console.log(`  mail: ${r.mail.seen} seen, ${r.mail.linked} linked, ${r.mail.notLinked} not linked`);
    console.log(`  meetings: ${r.calendar.linked} linked, ${r.calendar.upcoming} upcoming, ${r.calendar.notLinked} not linked`);
    for (const e of r.errors) console.log(`  error: ${e.where}: ${e.reason}`);
    if (r.reread) {
      const w = r.reread;
      console.log(
        `  emails a directory change left waiting: ${w.linked.length} link(s) added, ${w.unlinked.length} removed, ${w.deferred} still waiting, ${w.unavailable} unavailable`,
      );
    }
  }
}

export function printChange(what: string, r: ChangeResult): void {
  if (what) console.log(what);
  const fmt = (c: ChangeResult['linked'][number]) => `${c.kind} ${c.ref} → ${c.accountId}`;
  console.log(`  re-decided the past: ${r.linked.length} link(s) added, ${r.unlinked.length} removed`);
  for (const c of r.linked) console.log(`  + ${fmt(c)}`);
  for (const c of r.unlinked) console.log(`  - ${fmt(c)}`);
  printLeftovers(r);
}

/** What a directory change (manual, a source's sync or disconnect) could not re-read: gone, or waiting and why. */
export function printLeftovers(r: Leftovers): void {
  if (r.unavailable) console.log(`  ${r.unavailable} item(s) could not be re-read from their source and were left as they were`);
  for (const b of r.deferredBecause)
    console.log(
      `  ${b.emails} email(s) could not be re-read now because ${refusalWords(b.provider, b.code)}; they will be re-read after a later sync of a mailbox holding them`,
    );
}

export function printTimeline(
  account: { id: string; name: string },
  items: { kind: string; at: string; [k: string]: unknown }[],
  next?: string,
): void {
  const more = next ? ', newest first; more are older' : '';
  console.log(`${account.name} [${account.id}] — ${items.length} activit${items.length === 1 ? 'y' : 'ies'}${more}`);
  for (const it of items) {
    const via = (it.via as { email: string }[]).map((v) => v.email).join(', ');
    const label = it.kind === 'email' ? `✉ ${String(it.subject) || '(no subject)'}` : `📅 ${String(it.title)}`;
    console.log(`  ${it.at}  ${label}  (via ${via})`);
  }
  if (next) console.log(`Older: touchpoint timeline ${account.id} --before ${next}`);
}

export function printExplanation(r: Explanation): void {
  const title = r.kind === 'email' ? `Email <${r.ref}>` : `Meeting ${r.ref}${r.occurrence ? ` at ${r.occurrence}` : ''}`;
  console.log(`${title}: ${r.outcome.replace('_', ' ').toUpperCase()}`);
  // Waiting for a re-read, or no mailbox left to re-read it from (a purged item's summary is left to --json, as before).
  if (r.summary && !r.purged) console.log(`  ${r.summary}`);
  for (const a of r.accounts) {
    console.log(`  logged on ${a.id} via ${a.via.map((v) => `${v.email} (${v.field}, source ${sourceWords(v)})`).join('; ')}`);
  }
  for (const c of r.checks) console.log(`  ${MARK[c.status]} ${c.rule} ${c.code}: ${c.detail}`);
  for (const h of r.hints) console.log(`  hint: ${h.detail}`);
  if (r.remedies.length) console.log('What you can do:');
  for (const t of r.remedies) console.log(`  • ${t}`);
}

export function printSearch(r: Awaited<ReturnType<typeof globalSearch>>): void {
  console.log(`End user in ${r.accounts.length} account(s):`);
  for (const a of r.accounts) console.log(`  ${a.name} [${a.id}]: ${a.endUser.email} (source ${sourceWords(a.endUser)})`);
  if (r.teammates.length) console.log(`Teammates: ${r.teammates.map((t) => t.email).join(', ')}`);
  console.log(`Recent activities: ${r.activities.length}`);
  for (const a of r.activities) console.log(`  ${a.at} ${a.kind} on ${a.accountId}: ${'subject' in a ? a.subject : a.title}`);
}

export function printStatus(r: Awaited<ReturnType<typeof connectionHealth>>): void {
  console.log(`Workspace ${r.workspace} — sync every ${r.syncIntervalMinutes} min`);
  if (r.connections.length === 0) console.log('  no connections');
  for (const c of r.connections) {
    console.log(`${c.teammate} [${c.id}] ${c.provider}: ${c.status}${c.statusReason ? ` — ${c.statusReason}` : ''}`);
    console.log(`  authorized ${c.authorizedAt}; last sync ${c.lastSuccessAt ?? 'never'}; next due ${c.nextSyncAt ?? '—'}`);
    // A sync running in the service (or another terminal) right now: how far, as `touchpoint sync` prints it.
    if (c.progress) console.log(`  syncing now: ${progressLine(c.progress.stream ?? 'mail', c.progress, c.progress.etaSeconds)}`);
    for (const [kind, n] of Object.entries(c.counts)) {
      const skipped = Object.entries(n.skipped)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(`  ${kind}: ${n.seen} seen, ${n.linked} linked, ${n.upcoming} upcoming${skipped ? `, skipped: ${skipped}` : ''}`);
    }
    if (c.folders) console.log(`  folders: ${describeFolders(c.folders)}`);
    for (const f of c.folderCounts) console.log(`  ${f.summary}`);
    if (c.lastError) console.log(`  last error: ${c.lastError}`);
    for (const e of c.errors) console.log(`  item error: ${e.where}: ${e.reason}`);
  }
}

/** "crm:hubspot 123, https://app.hubspot.com/…, last synced 2026-03-20T12:00:00Z": where an end user came from. */
function sourceWords(u: { source: string; externalId?: string | null; sourceUrl?: string | null; sourceSyncedAt?: string | null }): string {
  const parts = [u.externalId ? `${u.source} ${u.externalId}` : u.source];
  if (u.sourceUrl) parts.push(u.sourceUrl);
  if (u.sourceSyncedAt) parts.push(`last synced ${u.sourceSyncedAt}`);
  return parts.join(', ');
}
