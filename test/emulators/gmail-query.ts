// The Gmail search syntax (https://support.google.com/mail/answer/7190) for the operators
// Touchpoint sends, as the Google emulator's users.messages.list `q` applies it:
//   from:<addr> / to:<addr>   — the address (or a part of it, or the name) in From / To, Cc, Bcc
//   subject:<word> or subject:(<words>) — every word in the subject, any case
//   rfc822msgid:<id>          — the Message-ID header, with or without <>
//   after:<date> / before:<date> — epoch seconds, or YYYY/MM/DD (taken as UTC midnight here;
//                               Gmail reads it in Pacific time, which is why Touchpoint sends seconds)
//   a bare word               — anywhere in the headers or body
// Terms are ANDed. A query Gmail cannot read (an unclosed parenthesis or quote, an operator
// without a value, a date that is not one) is refused with 400 invalidArgument "Invalid query".

export class GmailQueryError extends Error {}

export type MessageFilter = (m: { raw: string; internalDate: number }) => boolean;

const OPERATORS = new Set(['from', 'to', 'subject', 'rfc822msgid', 'after', 'before']);

function tokens(q: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < q.length) {
    if (/\s/.test(q[i]!)) {
      i++;
      continue;
    }
    let j = i;
    let tok = '';
    while (j < q.length && !/\s/.test(q[j]!)) {
      const ch = q[j]!;
      if (ch === '(' || ch === '"') {
        const close = q.indexOf(ch === '(' ? ')' : '"', j + 1);
        if (close < 0) throw new GmailQueryError('Invalid query');
        tok += q.slice(j, close + 1);
        j = close + 1;
        continue;
      }
      if (ch === ')') throw new GmailQueryError('Invalid query');
      tok += ch;
      j++;
    }
    out.push(tok);
    i = j;
  }
  return out;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return head
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim())
    .join(', ');
}

function dateMs(v: string): number {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(v);
  if (!m) throw new GmailQueryError('Invalid query');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

const unwrap = (v: string) => v.replace(/^[("]|[)"]$/g, '').trim();

export function parseGmailQuery(q: string): MessageFilter {
  const tests: MessageFilter[] = [];
  for (const tok of tokens(q)) {
    const m = /^([a-z0-9]+):(.*)$/i.exec(tok);
    const op = m?.[1]?.toLowerCase();
    if (!m || !op || !OPERATORS.has(op)) {
      const word = unwrap(tok).toLowerCase();
      tests.push((x) => x.raw.toLowerCase().includes(word));
      continue;
    }
    const value = unwrap(m[2]!);
    if (!value) throw new GmailQueryError('Invalid query');
    const v = value.toLowerCase();
    if (op === 'from') tests.push((x) => header(x.raw, 'From').toLowerCase().includes(v));
    else if (op === 'to') tests.push((x) => ['To', 'Cc', 'Bcc'].some((h) => header(x.raw, h).toLowerCase().includes(v)));
    else if (op === 'subject') {
      const words = v.split(/\s+/);
      tests.push((x) => {
        const s = header(x.raw, 'Subject').toLowerCase();
        return words.every((w) => s.includes(w));
      });
    } else if (op === 'rfc822msgid') {
      const id = v.replace(/^<|>$/g, '');
      tests.push((x) => header(x.raw, 'Message-ID').toLowerCase().replace(/^<|>$/g, '') === id);
    } else if (op === 'after') {
      const t = dateMs(value);
      tests.push((x) => x.internalDate >= t);
    } else {
      const t = dateMs(value);
      tests.push((x) => x.internalDate < t);
    }
  }
  return (x) => tests.every((t) => t(x));
}
