import { describe, expect, it } from 'vitest';
import { DEFAULT_FOLDERS } from './config.js';
import { planFolders, type ListedFolder } from './folders.js';

const f = (path: string, specialUse?: string, flags: string[] = []): ListedFolder => ({ path, specialUse, flags: new Set(flags) });
const dovecot = [f('INBOX'), f('Sent', '\\Sent'), f('Drafts', '\\Drafts'), f('Archive', '\\Archive'), f('Clients')];
const gmail = [
  f('INBOX'),
  f('[Gmail]', undefined, ['\\Noselect']),
  f('[Gmail]/All Mail', '\\All'),
  f('[Gmail]/Sent Mail', '\\Sent'),
  f('Customers'),
];

describe('planFolders', () => {
  it('defaults to INBOX and the special-use \\Sent folder (RFC 6154), whatever it is called', () => {
    expect(planFolders(dovecot, DEFAULT_FOLDERS, new Set()).paths).toEqual(['INBOX', 'Sent']);
    const outlook = [f('INBOX'), f('Sent Items', '\\Sent')];
    expect(planFolders(outlook, DEFAULT_FOLDERS, new Set()).paths).toEqual(['INBOX', 'Sent Items']);
  });

  it('resolves configured names: exact paths first, then a special-use name; reports missing ones', () => {
    const p = planFolders(dovecot, ['inbox', 'Clients', 'Sent', 'Nope', '\\Junk'], new Set());
    expect(p.paths).toEqual(['INBOX', 'Clients', 'Sent']);
    expect(p.missing).toEqual(['Nope', '\\Junk']);
  });

  it('on Gmail (X-GM-EXT-1) reads All Mail alone, so labels never duplicate a message', () => {
    const p = planFolders(gmail, DEFAULT_FOLDERS, new Set(['X-GM-EXT-1']));
    expect(p).toMatchObject({ paths: ['[Gmail]/All Mail'], gmail: true });
  });

  it('on Gmail, an explicit folder list is honoured (still deduplicated by X-GM-MSGID)', () => {
    expect(planFolders(gmail, ['Customers', 'INBOX'], new Set(['X-GM-EXT-1'])).paths).toEqual(['Customers', 'INBOX']);
  });

  it('never picks a \\Noselect folder', () => {
    expect(planFolders(gmail, ['[Gmail]'], new Set()).paths).toEqual([]);
  });
});
