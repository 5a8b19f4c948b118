// Line-level repairs for mistakes real exporters make that would make ical.js reject a
// whole file (ICAL.parse throws on the first bad line). Each repair is narrow: it only
// rewrites a line whose meaning is unambiguous.

const DATE_PROPS = 'DTSTART|DTEND|DUE|RECURRENCE-ID|EXDATE|RDATE';

export function repairIcs(text: string): string {
  // Unfold first (RFC 5545 §3.1: CRLF + one space or tab is removed) so that the repairs
  // below see whole content lines.
  let out = text.replace(/\r?\n[ \t]/g, '');

  // Folding with two spaces leaves `DELEGATED-FROM= "mailto:…"`: a space before the quote,
  // which makes the parser read the quoted ":" as the start of the value (khal's fixture).
  out = out.replace(/^(?:ATTENDEE|ORGANIZER);.*$/gim, (line) => line.replace(/=[ \t]+"/g, '="'));

  // Exchange 2010 writes `DTSTART;TZID="W. Europe Standard Time:20200609T090000"`: the
  // closing quote after the value instead of before the colon.
  const misquoted = new RegExp(`^((?:${DATE_PROPS})(?:;[^:"\\r\\n]*)*;TZID=")([^"\\r\\n:]*):([0-9]{8}(?:T[0-9]{6}Z?)?)"[ \\t]*$`, 'gim');
  out = out.replace(misquoted, (_m, head: string, tzid: string, value: string) => `${head}${tzid}":${value}`);

  // RFC 5545 §3.8.2.4 requires VALUE=DATE for a date-only DTSTART; Palm/OpenGroupware and
  // others write `DTSTART:20060611`, which ical.js would read as a broken DATE-TIME.
  const bareDate = new RegExp(`^(${DATE_PROPS})((?:;[^:\\r\\n]*)?):([0-9]{8}(?:,[0-9]{8})*)[ \\t]*$`, 'gim');
  out = out.replace(bareDate, (m, name: string, params: string, value: string) => {
    return /;VALUE=/i.test(params) ? m : `${name}${params};VALUE=DATE:${value}`;
  });

  return out;
}
