// When ICAL.parse rejects a file, keep what can be kept: ical.js stops at the first bad
// line (or bad RRULE), which would lose every good event of a calendar export because of
// one broken one. We re-parse each VEVENT on its own and report the ones that fail.
import ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;

/**
 * Roots holding every VEVENT that parses on its own; the others go to `problems`.
 * Throws (the `fail` callback) when the error is outside any VEVENT or nothing is left.
 */
export function salvageEvents(
  repaired: string,
  original: string,
  problems: string[],
  fail: (reason: string) => never,
  firstError: unknown,
): Component[] {
  const skeleton: string[] = [];
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (const line of repaired.split(/\r\n|\n|\r/)) {
    if (!current && /^BEGIN:VEVENT\s*$/i.test(line)) current = [line];
    else if (current) {
      current.push(line);
      if (/^END:VEVENT\s*$/i.test(line)) {
        blocks.push(current);
        current = null;
      }
    } else skeleton.push(line);
  }
  if (current) blocks.push(current); // never ended: fails below with a clear message

  const root = parseSkeleton(skeleton, problems) ?? fail(describeParseError(firstError, original));

  const starts = lineNumbersOf(original, /^BEGIN:VEVENT\s*$/i);
  blocks.forEach((block, i) => {
    const uid = block.map((l) => /^UID:(.*)$/i.exec(l)?.[1]?.trim()).find(Boolean);
    const where = uid ? `UID ${uid} (line ${starts[i] ?? '?'})` : `VEVENT at line ${starts[i] ?? '?'}`;
    try {
      const jcal = ICAL.parse(block.join('\r\n'));
      if (!Array.isArray(jcal) || jcal[0] !== 'vevent') throw new Error('the event does not end with END:VEVENT');
      root.addSubcomponent(new ICAL.Component(jcal));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const reason = /component began but did not end/.test(msg) ? 'the event does not end with END:VEVENT' : explain(msg);
      problems.push(`${where}: ${reason}, skipped`);
    }
  });
  if (root.getAllSubcomponents('vevent').length === 0) {
    fail(blocks.length ? `no VEVENT could be read: ${problems.join('; ')}` : describeParseError(firstError, original));
  }
  return [root];
}

/**
 * The calendar without its events. If it does not parse, we try again with END:VCALENDAR
 * added (a cut-off file), then without its VTIMEZONEs (their TZIDs are resolved by name).
 */
function parseSkeleton(lines: string[], problems: string[]): Component | null {
  const text = lines.join('\r\n');
  if (!text.trim()) return new ICAL.Component('vcalendar'); // bare VEVENTs
  const closed = (t: string) => (/^END:VCALENDAR\s*$/im.test(t) ? t : `${t.trimEnd()}\r\nEND:VCALENDAR\r\n`);
  const withoutZones = lines.filter(outsideTimezones()).join('\r\n');
  const candidates: [string, string | null][] = [
    [text, null],
    [closed(text), 'the file ends before END:VCALENDAR (truncated?)'],
    [closed(withoutZones), "the file's VTIMEZONEs cannot be read, time zones were resolved by name"],
  ];
  for (const [candidate, note] of candidates) {
    try {
      const jcal = ICAL.parse(candidate);
      if (!Array.isArray(jcal) || jcal[0] !== 'vcalendar') continue;
      if (note) problems.push(note);
      return new ICAL.Component(jcal);
    } catch {
      // try the next candidate
    }
  }
  return null;
}

/** ical.js's parser message → plain words, with the line number when we can find it. */
export function describeParseError(err: unknown, text: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/component began but did not end/.test(msg)) return 'the file ends in the middle of a component (truncated?)';
  // Messages end with the offending (unfolded) line in quotes: … "line" / … 'line'.
  const quoted = /(?:\)\s|\sin\s)(["'])([\s\S]*)\1\s*$/.exec(msg)?.[2];
  if (quoted) {
    const head = quoted.slice(0, 40);
    const no = text.split(/\r\n|\n|\r/).findIndex((l) => l.startsWith(head));
    if (no >= 0) return `line ${no + 1}: ${explain(msg)}`;
  }
  return explain(msg);
}

function explain(msg: string): string {
  if (/no token ";" or ":"/.test(msg)) return 'not an iCalendar line (no ":" between name and value)';
  if (/no matching double quote/.test(msg)) return 'a parameter has an unclosed quote';
  if (/Invalid parameters|Missing parameter value|Empty parameter name/.test(msg)) return 'a parameter is broken';
  return msg;
}

/** A line filter that drops VTIMEZONE blocks, including one that never ends. */
function outsideTimezones(): (line: string) => boolean {
  let inside = false;
  return (line) => {
    if (/^BEGIN:VTIMEZONE\s*$/i.test(line)) inside = true;
    else if (inside && /^END:VTIMEZONE\s*$/i.test(line)) {
      inside = false;
      return false; // the END line is part of the block
    } else if (inside && /^(BEGIN|END):V(?!TIMEZONE)/i.test(line)) inside = false; // a cut-off block
    return !inside;
  };
}

function lineNumbersOf(text: string, re: RegExp): number[] {
  const out: number[] = [];
  for (const [i, l] of text.split(/\r\n|\n|\r/).entries()) if (re.test(l)) out.push(i + 1);
  return out;
}
