// What find prints: --json the result document; otherwise one line per candidate (date,
// outcome, where), then its failing check, near-miss hints and remedies — or one sentence
// saying what was searched when nothing matched.
import type { FindCandidate, FindEmailQuery, FindMeetingQuery, FindResult } from '../app/find-types.js';

const MARK = { pass: '✓', fail: '✗', 'n/a': '–' } as const;

/** "from john@acme.com, subject "invoice", on 2026-03-06": the query in words. */
export function describeQuery(q: FindEmailQuery & FindMeetingQuery): string {
  const parts = [
    q.from && `from ${q.from}`,
    q.to && `to ${q.to}`,
    q.subject && `subject "${q.subject}"`,
    q.title && `title "${q.title}"`,
    q.attendee && `with ${q.attendee}`,
    q.on && `on ${q.on}`,
    q.since && `since ${q.since}`,
    q.until && `until ${q.until}`,
    q.teammate && `seen by ${q.teammate}`,
  ].filter(Boolean);
  return parts.join(', ');
}

function whereWords(c: FindCandidate): string {
  if (c.where.length === 0) return 'nowhere now';
  return c.where
    .map((w) => [w.teammate ?? w.connection, w.labels?.length ? w.labels.join('+') : w.folder].filter(Boolean).join(' · '))
    .join('; ');
}

function printCandidate(c: FindCandidate): void {
  const id = c.messageId ? `<${c.messageId}>` : c.uid ? c.uid : c.ref;
  const subject = c.subject ? ` "${c.subject}"` : '';
  const live = c.live ? ' (found at the provider just now)' : '';
  console.log(`${c.date}  ${c.outcome.replace('_', ' ').toUpperCase()}  ${whereWords(c)}  ${id}${subject}${live}`);
  if (c.summary) console.log(`  ${c.summary}`);
  for (const check of c.checks.filter((x) => x.status === 'fail'))
    console.log(`  ${MARK[check.status]} ${check.rule} ${check.code}: ${check.detail}`);
  for (const h of c.hints) console.log(`  hint: ${h.detail}`);
  // A linked item needs no fixing: say where it is logged, not the "why here?" remedies.
  for (const a of c.accounts) console.log(`  logged on ${a.id} via ${a.via.map((v) => v.email).join(', ')}`);
  if (c.outcome !== 'linked') for (const t of c.remedies.filter((x) => x !== '')) console.log(`  → ${t}`);
  if (c.subjectNotKept) console.log('  (not linked, so its subject was not kept: it matches the address and day only)');
}

export function printFound(kind: 'email' | 'meeting', q: FindEmailQuery & FindMeetingQuery, r: FindResult, json: boolean): void {
  if (json) {
    // The documented shape: { candidates, truncated?, liveError? } (liveAsked is for the words below).
    const { liveAsked: _asked, ...doc } = r;
    console.log(JSON.stringify(doc, null, 2));
    return;
  }
  const asked = describeQuery(q);
  if (r.candidates.length === 0) {
    console.log(`No ${kind} ${asked} in what Touchpoint has seen${r.liveError ? `, and the live lookup failed: ${r.liveError}` : ''}.`);
    return;
  }
  const n = r.candidates.length;
  console.log(`${n} ${kind}${n === 1 ? '' : 's'} ${asked}${r.truncated ? ' (more matched: narrow it with --on or --teammate)' : ''}:`);
  for (const c of r.candidates) printCandidate(c);
  if (r.liveError) console.log(`The live lookup failed: ${r.liveError}`);
  else if (!r.liveAsked)
    console.log(`Not the one? Add --ask-mailboxes to search the connected ${kind === 'email' ? 'mailboxes' : 'calendars'} themselves too.`);
}
