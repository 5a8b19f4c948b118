import { describe, expect, it } from 'vitest';
import { NO_FOLDER_SETTINGS } from '../folder-selection.js';
import { planFolders, type ListedFolder } from './folders.js';

const f = (path: string, specialUse?: string, flags: string[] = []): ListedFolder => ({
  path,
  specialUse,
  flags: new Set(flags),
  delimiter: '/',
});
const dovecot = [
  f('Sent', '\\Sent'),
  f('INBOX'),
  f('Drafts', '\\Drafts'),
  f('Junk', '\\Junk'),
  f('Trash', '\\Trash'),
  f('Trash/Old'),
  f('Archive', '\\Archive'),
  f('Clients'),
  f('Customers', undefined, ['\\Noselect']),
  f('Customers/Acme'),
];
const gmail = [
  f('INBOX'),
  f('[Gmail]', undefined, ['\\Noselect']),
  f('[Gmail]/All Mail', '\\All'),
  f('[Gmail]/Sent Mail', '\\Sent'),
  f('[Gmail]/Spam', '\\Junk'),
  f('Customers'),
];
const only = (list: string[]) => ({ include: [], exclude: [], only: list });

describe('planFolders', () => {
  it('by default syncs every selectable folder, INBOX first, but Junk, Trash (and what is inside it) and Drafts', () => {
    const p = planFolders(dovecot, NO_FOLDER_SETTINGS, new Set());
    expect(p.paths).toEqual(['INBOX', 'Sent', 'Archive', 'Clients', 'Customers/Acme']);
    expect(p.skipped.map((s) => s.path)).toEqual(['Drafts', 'Junk', 'Trash', 'Trash/Old']);
    expect(p.skipped.find((s) => s.path === 'Trash/Old')?.reason).toContain('inside "Trash"');
  });

  it('exclude wins over include; include brings Junk back; an include matching nothing is reported', () => {
    const p = planFolders(dovecot, { include: ['\\Junk', 'Clients', 'Nope'], exclude: ['clients', 'Customers'] }, new Set());
    expect(p.paths).toEqual(['INBOX', 'Sent', 'Junk', 'Archive']);
    expect(p.missing).toEqual(['Nope']);
  });

  it('an explicit folder list (--folders) still resolves paths first, then special-use names, and reports missing ones', () => {
    const p = planFolders(dovecot, only(['inbox', 'Clients', 'Sent', 'Nope', '\\Flagged']), new Set());
    expect(p.paths).toEqual(['INBOX', 'Clients', 'Sent']);
    expect(p.missing).toEqual(['Nope', '\\Flagged']);
  });

  it('on Gmail (X-GM-EXT-1) reads All Mail alone by default, so labels never duplicate a message', () => {
    const p = planFolders(gmail, NO_FOLDER_SETTINGS, new Set(['X-GM-EXT-1']));
    expect(p).toMatchObject({ paths: ['[Gmail]/All Mail'], gmail: true });
    expect(planFolders(gmail, { include: ['\\Junk'], exclude: [] }, new Set(['X-GM-EXT-1'])).paths).toEqual([
      '[Gmail]/All Mail',
      '[Gmail]/Spam',
    ]);
  });

  it('on Gmail, an explicit folder list is honoured (still deduplicated by X-GM-MSGID)', () => {
    expect(planFolders(gmail, only(['Customers', 'INBOX']), new Set(['X-GM-EXT-1'])).paths).toEqual(['Customers', 'INBOX']);
  });

  it('never picks a \\Noselect folder', () => {
    expect(planFolders(gmail, only(['[Gmail]']), new Set()).paths).toEqual([]);
  });
});
