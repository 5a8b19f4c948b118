// The soak's table: one row per window (5 minutes; 1 minute in runs shorter than 10), with
// new-mail → linked p50/p95 of the mail delivered in it, the processes' RSS and open file
// descriptors, the sync queue depth, the IDLE sessions alive, and the machine's load. The
// same table goes to the terminal and into docs/soak.md between its markers.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Delivery, Sample } from './probe.js';

export interface Window {
  from: number;
  to: number;
  events: string[];
}

export interface Row {
  window: string;
  delivered: number;
  linked: number;
  p50: string;
  p95: string;
  rss: string;
  workerRss: string;
  fds: string;
  queue: string;
  idle: string;
  load: string;
  events: string;
}

function quantile(xs: number[], q: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

const secs = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const range = (xs: (number | null)[], unit = '') => {
  const v = xs.filter((x): x is number => x !== null);
  if (!v.length) return '—';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? `${lo}${unit}` : `${lo}–${hi}${unit}`;
};

export function rows(windows: Window[], deliveries: Delivery[], samples: Sample[], t0: number): Row[] {
  return windows.map((w) => {
    const mail = deliveries.filter((d) => d.at >= w.from && d.at < w.to);
    const lat = mail.filter((d) => d.linkedAt).map((d) => d.linkedAt! - d.at);
    const ss = samples.filter((s) => s.at >= w.from && s.at < w.to);
    const last = ss[ss.length - 1];
    const mins = (t: number) => Math.round((t - t0) / 60_000);
    return {
      window: `${mins(w.from)}–${mins(w.to)} min`,
      delivered: mail.length,
      linked: mail.filter((d) => d.outcome === 'linked').length,
      p50: secs(quantile(lat, 0.5)),
      p95: secs(quantile(lat, 0.95)),
      rss: last ? `${last.rssMb} MB` : '—',
      workerRss: last?.workerRssMb ? `${last.workerRssMb} MB` : '—',
      fds: range(ss.map((s) => s.fds)),
      queue: range(ss.map((s) => s.queue)),
      idle: range(ss.map((s) => s.idle)),
      load: range(ss.map((s) => Math.round(s.load1 * 10) / 10)),
      events: w.events.join('; '),
    };
  });
}

const HEADER = [
  'window',
  'mail delivered',
  'linked',
  'new mail → linked p50',
  'p95',
  'serve RSS (end)',
  'worker RSS (end)',
  'serve open fds',
  'sync queue depth',
  'IDLE sessions alive',
  'load average (1 min)',
  'events',
];

export function markdownTable(rs: Row[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const r of rs)
    lines.push(
      `| ${[r.window, r.delivered, r.linked, r.p50, r.p95, r.rss, r.workerRss, r.fds, r.queue, r.idle, r.load, r.events || ''].join(' | ')} |`,
    );
  return lines.join('\n');
}

const BEGIN = '<!-- soak:begin -->';
const END = '<!-- soak:end -->';

/** Replace the table between the markers of docs/soak.md (the prose around it stays). */
export function writeDocs(file: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} has no ${BEGIN} … ${END} markers`);
  writeFileSync(file, `${text.slice(0, a + BEGIN.length)}\n${body}\n${text.slice(b)}`);
}
