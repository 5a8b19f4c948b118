// The short text a person reads in an assistant's tool result; the full JSON document goes
// beside it as structuredContent, for the assistant to reason over.
import type { FindResult } from '../app/find-types.js';
import type { SearchAnswer } from '../app/search.js';
import type { StatusAnswer } from '../app/status.js';
import type { Explanation } from '../troubleshoot/explain.js';

export function explanationText(r: Explanation): string {
  const title = r.kind === 'email' ? `Email <${r.ref}>` : `Meeting ${r.ref}${r.occurrence ? ` at ${r.occurrence}` : ''}`;
  const lines = [`${title}: ${r.outcome.replace('_', ' ')}`];
  if (r.summary) lines.push(r.summary);
  for (const a of r.accounts) lines.push(`Logged on ${a.id} via ${a.via.map((v) => v.email).join(', ')}.`);
  for (const c of r.checks.filter((x) => x.status === 'fail')) lines.push(`Failed ${c.rule} ${c.code}: ${c.detail}`);
  for (const h of r.hints) lines.push(`Hint: ${h.detail}`);
  for (const t of r.remedies) lines.push(`What to do: ${t}`);
  return lines.join('\n');
}

export function searchText(r: SearchAnswer): string {
  const accounts = r.accounts.map((a) => `${a.name} [${a.id}] as ${a.endUser.email}`);
  return [
    `"${r.query}": end user in ${r.accounts.length} account(s)${accounts.length ? `: ${accounts.join('; ')}` : ''}.`,
    ...(r.teammates.length ? [`Teammates using it: ${r.teammates.map((t) => t.email).join(', ')}.`] : []),
    `${r.activities.length} recent activities.`,
  ].join('\n');
}

export function statusText(r: StatusAnswer): string {
  if (r.connections.length === 0) return `Workspace ${r.workspace}: no connections.`;
  return [
    `Workspace ${r.workspace}, syncing every ${r.syncIntervalMinutes} min:`,
    ...r.connections.map(
      (c) =>
        `${c.teammate} (${c.provider}): ${c.status}, last success ${c.lastSuccessAt ?? 'never'}${c.lastError ? `, last error: ${c.lastError}` : ''}`,
    ),
  ].join('\n');
}

export function findText(r: FindResult): string {
  if (r.candidates.length === 0) return 'Nothing found that matches.';
  return [
    `${r.candidates.length} candidate(s):`,
    ...r.candidates.map(
      (c) =>
        `${c.date} ${c.kind} ${c.messageId ?? c.uid ?? c.ref}: ${c.outcome.replace('_', ' ')}${c.remedies[0] ? ` — ${c.remedies[0]}` : ''}`,
    ),
    ...(r.liveAsked ? [] : ['Not the one? Ask again with askMailboxes: true to search the connected mailboxes / calendars too.']),
  ].join('\n');
}
