// The audit log in words: what a row says, not action codes, ids and JSON.
import { describe, expect, it } from 'vitest';
import { auditDetails, auditWhat, auditWho } from '../../web/src/audit-words.js';

describe('audit log words', () => {
  it('names a connection by its teammate and provider, not its id', () => {
    const details = { provider: 'imap', teammate: 'alice@ourco.com', host: 'mail.ourco.com', user: 'alice' };
    expect(auditWhat('connection.connect', '65e93406-4967-40e6-80c2-1e07fba9b7d0', details)).toBe('Connected alice@ourco.com (imap)');
    expect(auditDetails(details, 'connection.connect')).toEqual(['host: mail.ourco.com', 'user: alice']);
  });

  it('names a token by its name and role', () => {
    const details = { name: 'web-test', role: 'admin', expiresAt: null };
    expect(auditWhat('token.create', '96273bfe-8305', details)).toBe('Created API token “web-test” (admin)');
    expect(auditDetails(details, 'token.create')).toEqual([]);
  });

  it('counts linked and unlinked items, and leaves out what is zero or empty', () => {
    expect(auditDetails({ kind: 'domain', linked: [], unlinked: [{ ref: 'a' }, { ref: 'b' }], unavailable: 0 }, 'blocklist.add')).toEqual([
      'kind: domain',
      'unlinked 2',
    ]);
    expect(auditDetails({ counts: { created: 5, unchanged: 0, error: 2 } }, 'end_users.import')).toEqual(['rows: 5 created, 2 error']);
    expect(auditDetails({ secretChanged: true }, 'connection.reauthorize')).toEqual(['password changed: yes']);
  });

  it('says who in words', () => {
    expect(auditWho('cli')).toBe('command line');
    expect(auditWho('api:npm start')).toBe('npm start (API token)');
  });
});
