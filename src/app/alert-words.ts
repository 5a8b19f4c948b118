// The words of alert emails: what broke, what it means for the teammate's timeline, and the
// exact fix, with the link to the page where the Re-authorize button is. Pure: the times and
// the link come in.
import { providerWords } from '../domain/connection.js';
import type { ConnectionRecord } from '../store/connections.js';

/** Where the Re-authorize button is, in words and as a link when the public URL is known. */
export function fixWords(mailbox: string, publicUrl: string | undefined): string {
  const steps = `Open Touchpoint → Sync email & calendar → Re-authorize (next to ${mailbox})`;
  return publicUrl ? `${steps}: ${publicUrl}/#/sync` : steps;
}

export interface BrokenConnection {
  connection: Pick<ConnectionRecord, 'id' | 'provider'>;
  mailbox: string;
  brokenAt: Date;
  reason: string;
}

export function reauthEmail(b: BrokenConnection, publicUrl: string | undefined): { subject: string; text: string } {
  const what = providerWords(b.connection.provider);
  return {
    subject: `Touchpoint stopped syncing ${b.mailbox} (${what}): please re-authorize`,
    text: [
      'Hello,',
      '',
      `Touchpoint can no longer sign in to your ${what} ${b.mailbox} (since ${utc(b.brokenAt)}).`,
      `The server said: ${b.reason}`,
      '',
      'Until you re-authorize it, no new customer email or meeting from it is logged on the account timelines.',
      'Nothing is lost: once you re-authorize, Touchpoint catches up on what arrived meanwhile.',
      '',
      `To fix it: ${fixWords(b.mailbox, publicUrl)}`,
      '',
      'You get this email once for this problem; if it happens again after you fixed it, you will be told again.',
    ].join('\n'),
  };
}

export interface DigestContent {
  workspace: string;
  total: number;
  broken: BrokenConnection[];
  /** Fixed within the last day. */
  fixed: { mailbox: string; provider: string; fixedAt: Date }[];
  brokenPercent: number;
  thresholdPercent: number;
  since: Date;
  now: Date;
}

export function digestEmail(d: DigestContent, publicUrl: string | undefined): { subject: string; text: string } {
  const over = d.brokenPercent > d.thresholdPercent;
  const headline =
    d.broken.length === 0
      ? `all ${d.total} connections are syncing`
      : `${d.broken.length} of ${d.total} connections need re-authorization (${d.brokenPercent}%)`;
  const lines = [`Daily Touchpoint digest for workspace ${d.workspace}, ${utc(d.since)} to ${utc(d.now)}.`, '', `In short: ${headline}.`];
  if (over)
    lines.push(
      `That is more than the ${d.thresholdPercent}% alert threshold: a large part of the team's customer email and meetings is not being logged.`,
    );
  if (d.broken.length) {
    lines.push('', 'Needs re-authorization (each teammate was emailed once):');
    for (const b of d.broken)
      lines.push(`- ${b.mailbox} (${providerWords(b.connection.provider)}), broken since ${utc(b.brokenAt)}: ${b.reason}`);
    lines.push('', `The fix, for each teammate: ${fixWords('their mailbox', publicUrl)}`);
  }
  if (d.fixed.length) {
    lines.push('', 'Fixed in the last day:');
    for (const f of d.fixed) lines.push(`- ${f.mailbox} (${providerWords(f.provider)}), re-authorized ${utc(f.fixedAt)}`);
  }
  lines.push(
    '',
    'You get this digest because an admin asked for it; turn it off with PUT /v1/alerts/digest { "address": …, "daily": false }.',
  );
  return { subject: `Touchpoint daily digest (${d.workspace}): ${headline}`, text: lines.join('\n') };
}

const utc = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
