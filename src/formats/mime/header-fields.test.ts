// Gmail's header list read field by field must give the very item the MIME parser gives for
// the same list written out as a header block (what gmail-mail-source.ts did before).
import { describe, expect, it } from 'vitest';
import { type HeaderField, itemFromFields } from './header-fields.js';
import { MalformedItemError, parseEmail } from './parse-email.js';

const FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'sender', 'reply-to']);
const opts = { fallbackReceivedAt: new Date('2026-03-01T00:00:00Z'), headersOnly: true };
const block = (list: HeaderField[]) => `${list.map((h) => `${h.name}: ${(h.value ?? '').replace(/\r?\n/g, ' ')}`).join('\r\n')}\r\n\r\n`;

async function both(list: HeaderField[]): Promise<[string, string]> {
  const run = async (f: () => Promise<unknown>) => {
    try {
      return JSON.stringify(await f());
    } catch (err) {
      return err instanceof MalformedItemError ? `malformed: ${err.reason}` : `error: ${(err as Error).message}`;
    }
  };
  const direct = await run(async () => {
    const item = itemFromFields(list, FIELDS, opts);
    if (!item) throw new Error('not read directly');
    return item;
  });
  return [direct, await run(() => parseEmail(block(list), opts))];
}

const h = (name: string, value: string | null): HeaderField => ({ name, value });
const cases: [string, HeaderField[]][] = [
  [
    'a plain message',
    [
      h('From', 'Ann <ann@acme.com>'),
      h('To', 'Bob <bob@ourco.com>'),
      h('Subject', 'Hi'),
      h('Date', 'Tue, 03 Mar 2026 09:00:00 +0000'),
      h('Message-ID', '<m1@acme.com>'),
    ],
  ],
  [
    'encoded words',
    [
      h('From', '=?UTF-8?B?w4Zyw7hza2Fy?= <ae@acme.com>'),
      h('To', '=?ISO-8859-1?Q?Andr=E9?= <andre@ourco.com>, "Doe, Jane" <jane@ourco.com>'),
      h('Subject', '=?UTF-8?Q?Re=3A_caf=C3=A9?= =?UTF-8?B?IPCfmIA=?='),
      h('Date', 'Tue, 03 Mar 2026 09:00:00 +0100'),
    ],
  ],
  [
    'several addresses, groups and duplicates',
    [
      h('From', 'a@x.com, b@y.com'),
      h('To', 'Team: c@z.com, d@z.com;, undisclosed-recipients:;'),
      h('To', 'e@z.com'),
      h('Cc', 'F <f@z.com>, bare-word, pete(his account)@silly.test'),
      h('Bcc', ''),
      h('Reply-To', 'r@x.com'),
      h('Sender', 's@x.com'),
    ],
  ],
  ['no Date', [h('From', 'ann@acme.com'), h('Subject', 'no date'), h('Message-ID', 'no-brackets@acme.com')]],
  ['a Date that does not parse', [h('From', 'ann@acme.com'), h('Date', 'someday soon'), h('Message-ID', '<>')]],
  [
    'empty and spaced values',
    [h('Subject', ''), h('Subject', '  second \t'), h('From', '\t ann@acme.com  '), h('Message-ID', '   '), h('To', 'b@x.com\u00a0')],
  ],
  [
    'names in other cases, null values',
    [h('FROM', 'ann@acme.com'), h('message-id', '<M@acme.com>'), h('subject', null), h('DATE', 'Wed, 4 Mar 2026 10:00:00 GMT')],
  ],
  ['raw UTF-8 and emoji', [h('From', 'Zoë 😀 <zoe@exämple.com>'), h('Subject', 'Grüße — 😀 ok'), h('To', 'ü@ourco.com')]],
  ['none of the headers that make an email', [h('Subject', 'only a subject'), h('Cc', 'c@x.com')]],
  ['an encoded Message-ID', [h('From', 'a@x.com'), h('Message-ID', '=?UTF-8?Q?<x=40y>?=')]],
];

describe('Gmail header list read field by field', () => {
  for (const [what, list] of cases)
    it(`${what}: the same item as through the MIME parser`, async () => {
      const [direct, parsed] = await both(list);
      expect(direct).toBe(parsed);
    });

  it('varied lists (seeded): the same item every time', async () => {
    const names = ['From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID', 'Sender', 'Reply-To', 'from', 'SUBJECT'];
    const values = [
      'Ann <ann@acme.com>',
      '"Smith, J" <j@x.org>, k@y.org',
      '=?utf-8?b?SGVsbG8g8J+Ygg==?=',
      '=?iso-8859-1?q?Caf=E9?= <cafe@x.fr>',
      '',
      ' \t',
      'Mon, 2 Mar 2026 08:00:00 -0500',
      '2 Mar 2026',
      '<id@x>',
      'group: a@b.c;',
      'weird <<a@b>>',
      'ÿ\u00a0z',
    ];
    let seed = 15;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const list = Array.from({ length: 1 + rand(8) }, () => h(names[rand(names.length)]!, values[rand(values.length)]!));
      const [direct, parsed] = await both(list);
      expect(direct, JSON.stringify(list)).toBe(parsed);
    }
  });

  for (const [what, list] of [
    ['a field we did not ask for', [h('From', 'a@x.com'), h('Content-Type', 'text/plain; charset=koi8-r')]],
    ['a line break in a value', [h('From', 'a@x.com'), h('Subject', 'two\r\nlines')]],
    ['a lone surrogate', [h('From', 'a@x.com'), h('Subject', 'x\ud800')]],
  ] as [string, HeaderField[]][])
    it(`leaves a list with ${what} to the MIME parser`, () => {
      expect(itemFromFields(list, FIELDS, opts)).toBeNull();
    });
});
