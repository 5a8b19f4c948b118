// Progress of a long (initial) sync, and the time left estimated from the rate so far.
// Pure: the caller passes `now` (the CLI's clock, the API request's clock), so tests drive time
// and the same words come out of the CLI, the API and the web app.

import type { SyncProgress } from '../domain/connection.js';

type SyncStream = NonNullable<SyncProgress['stream']>;

/** Too early to estimate before this: the first pages include connecting and listing. */
const MIN_ELAPSED_MS = 3_000;
/** … and before this many items (or 5 % of a small total) are done. */
const MIN_DONE = 20;

/**
 * Seconds left at the rate so far (done items over elapsed time), or null when it cannot be
 * told yet: no total, nothing done, too little done or too little time gone to be a rate.
 */
export function estimateSecondsLeft(p: { done: number; total?: number | undefined; startedAt: Date; now: Date }): number | null {
  if (p.total === undefined || p.done <= 0) return null;
  if (p.done >= p.total) return 0;
  const elapsedMs = p.now.getTime() - p.startedAt.getTime();
  if (elapsedMs < MIN_ELAPSED_MS) return null;
  if (p.done < Math.min(MIN_DONE, Math.ceil(p.total * 0.05))) return null;
  const msPerItem = elapsedMs / p.done;
  return Math.ceil(((p.total - p.done) * msPerItem) / 1000);
}

/** The progress as the API serves it: the stored numbers, the estimate at `now` and its words. */
export function progressWithEta(p: SyncProgress, now: Date) {
  const startedAt = p.startedAt ?? null;
  const etaSeconds = startedAt ? estimateSecondsLeft({ done: p.done, total: p.total, startedAt: new Date(startedAt), now }) : null;
  return { ...p, startedAt, etaSeconds, etaText: p.total === undefined ? null : timeLeftText(etaSeconds) };
}

/**
 * The time left as a person reads it, served by the API so the web app says it in the same words:
 * "estimating the time left…" (no estimate yet), "almost done", or etaWords.
 */
export function timeLeftText(etaSeconds: number | null): string {
  if (etaSeconds === null) return 'estimating the time left…';
  return etaSeconds === 0 ? 'almost done' : etaWords(etaSeconds);
}

/** "about 1 min left", "less than a minute left", "about 2 h 5 min left". */
export function etaWords(seconds: number): string {
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `about ${h} h${m ? ` ${m} min` : ''} left`;
}

const count = (n: number) => n.toLocaleString('en-US');
const UNIT: Record<SyncStream, string> = { mail: 'messages', calendar: 'events' };

/** "mail: 4,200 / 10,000 messages (42 %), about 1 min left" — or "mail: 4,200 messages so far" without a total. */
export function progressLine(
  stream: SyncStream,
  p: { done: number; total?: number; approximate?: boolean },
  etaSeconds: number | null,
): string {
  const unit = UNIT[stream];
  if (p.total === undefined) return `${stream}: ${count(p.done)} ${unit} so far`;
  const pct = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 100;
  const about = p.approximate ? 'about ' : '';
  const left = etaSeconds === null ? '' : `, ${etaSeconds === 0 ? 'done' : etaWords(etaSeconds)}`;
  return `${stream}: ${count(p.done)} / ${about}${count(p.total)} ${unit} (${pct} %)${left}`;
}
