import { describe, expect, it } from 'vitest';
import { checkFolderList, isFolderSynced, NO_FOLDER_SETTINGS, readFolderSettings, type FolderRef } from './folder-selection.js';

const imap = (path: string, specialUse?: string): FolderRef => ({ path, name: path.split('/').pop()!, specialUse });
const graph = (path: string, wellKnownName?: string): FolderRef => ({ path, name: path.split('/').pop()!, wellKnownName });

describe('isFolderSynced', () => {
  it('skips Junk, Trash and Drafts by marker, and by name only when the server gave no marker', () => {
    for (const f of [imap('Spam', '\\Junk'), imap('Bin', '\\Trash'), imap('Entwürfe', '\\Drafts'), imap('Junk'), imap('Deleted Items')])
      expect(isFolderSynced(NO_FOLDER_SETTINGS, f).synced, f.path).toBe(false);
    // A marker is the server's own word: a "Junk" folder marked \Archive is synced.
    expect(isFolderSynced(NO_FOLDER_SETTINGS, imap('Junk', '\\Archive')).synced).toBe(true);
    expect(isFolderSynced(NO_FOLDER_SETTINGS, imap('Customers/Acme'))).toEqual({
      synced: true,
      reason: 'every folder is synced by default',
    });
  });

  it('on Graph skips junkemail, deleteditems, drafts, outbox, conversationhistory and syncissues', () => {
    for (const w of ['junkemail', 'deleteditems', 'drafts', 'outbox', 'conversationhistory', 'syncissues'])
      expect(isFolderSynced(NO_FOLDER_SETTINGS, graph(`X ${w}`, w)).synced, w).toBe(false);
    expect(isFolderSynced(NO_FOLDER_SETTINGS, graph('Archive', 'archive')).synced).toBe(true);
  });

  it('exclude wins over include, include brings a default-skipped folder back, names match case-insensitively', () => {
    const s = { include: ['junkemail', 'Customers/Acme'], exclude: ['customers/acme'] };
    expect(isFolderSynced(s, graph('Junk Email', 'junkemail'))).toEqual({
      synced: true,
      reason: 'included by this connection\'s setting "junkemail"',
    });
    expect(isFolderSynced(s, graph('Customers/Acme')).synced).toBe(false);
  });

  it('a folder inside an excluded or skipped folder is not synced, unless included itself', () => {
    const trash = graph('Deleted Items', 'deleteditems');
    expect(isFolderSynced(NO_FOLDER_SETTINGS, graph('Deleted Items/Old project'), [trash]).reason).toContain('inside "Deleted Items"');
    expect(isFolderSynced({ include: ['Old project'], exclude: [] }, graph('Deleted Items/Old project'), [trash]).synced).toBe(true);
    expect(isFolderSynced({ include: [], exclude: ['Customers'] }, graph('Customers/Acme'), [graph('Customers')]).synced).toBe(false);
  });
});

describe('readFolderSettings', () => {
  it('reads the old stored default (INBOX + \\Sent) as the new default, and a custom list as "only"', () => {
    expect(readFolderSettings({ folders: ['INBOX', '\\Sent'] })).toEqual({ include: [], exclude: [] });
    expect(readFolderSettings({ folders: ['INBOX', 'Clients'], excludeFolders: ['Spam', 3] })).toEqual({
      include: [],
      exclude: ['Spam'],
      only: ['INBOX', 'Clients'],
    });
  });
});

describe('checkFolderList', () => {
  it('names the empty entry and drops duplicates', () => {
    expect(checkFolderList('exclude', ['Junk', ' '])).toEqual({ error: 'exclude[1] is empty: give a folder path or name' });
    expect(checkFolderList('include', ['Junk', 'junk', 'A'])).toEqual({ ok: ['Junk', 'A'] });
  });
});
