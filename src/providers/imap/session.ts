// One IMAP connection, with every imapflow call's errors translated once. Mailboxes are
// opened read-only (EXAMINE, RFC 3501 §6.3.2): syncing must never mark mail \Seen.
// No mailbox locks: one caller drives a session at a time (the sync generator, or a body
// download while the generator waits at a page boundary).
import { ImapFlow, type FetchMessageObject, type MailboxObject } from 'imapflow';
import { COULD_NOT_CONNECT, type OutboundPolicy } from '../../net/outbound-policy.js';
import { SourceError } from '../types.js';
import { clientOptions, type ImapConfig } from './config.js';
import { imapRefusedByPolicy, translateImapError } from './errors.js';
import type { ListedFolder } from './folders.js';
import { gatedLogin } from './login-gate.js';
import { uidSet } from './refs.js';

export interface FolderStatus {
  uidValidity: string;
  uidNext: number;
  highestModseq: string | null;
}

export class ImapSession {
  /** The last connection-level error imapflow emitted (it also closes the socket). */
  private lastError: unknown = null;

  private constructor(
    readonly client: ImapFlow,
    private readonly where: string,
  ) {}

  /**
   * `secret` is a password or access token, or gives a fresh access token (OAuth) at each login.
   * The host is checked against the outbound policy first (an IP literal is never looked up),
   * and the policy's lookup is the socket's, so the address connected to is the one checked
   * (DNS rebinding); TLS still verifies the certificate against the host name.
   */
  static async open(cfg: ImapConfig, secret: string | (() => Promise<string>), outbound: OutboundPolicy): Promise<ImapSession> {
    const where = `${cfg.host}:${cfg.port}`;
    const verdict = await outbound.checkHost(cfg.host, cfg.port);
    if (!verdict.allowed) {
      if (verdict.reason === COULD_NOT_CONNECT) throw new SourceError('NETWORK', `${where}: ${COULD_NOT_CONNECT}`);
      throw imapRefusedByPolicy(where);
    }
    const options = clientOptions(cfg, typeof secret === 'string' ? secret : await secret());
    const client = new ImapFlow({ ...options, tls: { ...options.tls, lookup: outbound.lookup } });
    const s = new ImapSession(client, where);
    // Without a listener an 'error' event would crash the process (EventEmitter semantics).
    client.on('error', (err: unknown) => {
      s.lastError = err;
    });
    try {
      // Bounded per server: a login storm (1,000 IDLE sessions reconnecting) must not stall it (login-gate.ts).
      await gatedLogin(where, () => client.connect());
    } catch (err) {
      client.close();
      throw translateImapError(err, where);
    }
    return s;
  }

  get usable(): boolean {
    return this.client.usable;
  }

  get capabilities(): Set<string> {
    return new Set(this.client.capabilities.keys());
  }

  /** CONDSTORE (RFC 7162), either advertised alone or implied by QRESYNC. */
  get condstore(): boolean {
    return this.client.capabilities.has('CONDSTORE') || this.client.capabilities.has('QRESYNC');
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      if (!this.client.usable) throw Object.assign(new Error('connection closed'), { code: 'NoConnection' });
      return await fn();
    } catch (err) {
      throw translateImapError(this.lastError && !this.client.usable ? this.lastError : err, this.where);
    }
  }

  async list(): Promise<ListedFolder[]> {
    return this.run(async () =>
      (await this.client.list()).map((f) => ({ path: f.path, specialUse: f.specialUse, flags: f.flags, delimiter: f.delimiter })),
    );
  }

  /**
   * EXAMINE the folder unless it is the one already open. `fresh`: EXAMINE again anyway — a
   * session kept open between syncs has only the counts the server volunteered since.
   */
  async examine(path: string, opts: { fresh?: boolean } = {}): Promise<{ path: string; exists: number } & FolderStatus> {
    const current = this.client.mailbox;
    const reuse = !opts.fresh && current && current.path === path;
    const mb: MailboxObject = reuse ? current : await this.run(() => this.client.mailboxOpen(path, { readOnly: true }));
    // A copy: imapflow keeps using its own mailbox object (BigInt fields) internally.
    return {
      path: mb.path,
      exists: mb.exists,
      uidNext: mb.uidNext,
      uidValidity: String(mb.uidValidity),
      highestModseq: mb.highestModseq !== undefined && !mb.noModseq ? String(mb.highestModseq) : null,
    };
  }

  /** UIDs of the open folder's messages with an INTERNALDATE on or after `since` (a date: RFC 3501 SEARCH SINCE). */
  async searchSince(since: Date): Promise<number[]> {
    return (await this.run(() => this.client.search({ since }, { uid: true }))) || [];
  }

  /** Header block + INTERNALDATE (+ X-GM-MSGID on Gmail) of these UIDs of the open folder. */
  async fetchHeaders(uids: number[], gmail: boolean): Promise<FetchMessageObject[]> {
    if (uids.length === 0) return [];
    return this.run(() =>
      this.client.fetchAll(
        uidSet(uids),
        { uid: true, internalDate: true, headers: true, ...(gmail ? { emailId: true } : {}) },
        { uid: true },
      ),
    );
  }

  /**
   * ENVELOPE + INTERNALDATE + BODYSTRUCTURE (+ X-GM-MSGID on Gmail) of these UIDs of the open
   * folder: what the sync decides on, already split by the server (no header block to parse on
   * our side), and where a linked message's text parts are (fetchTextParts).
   */
  async fetchEnvelopes(uids: number[], gmail: boolean): Promise<FetchMessageObject[]> {
    if (uids.length === 0) return [];
    return this.run(() =>
      this.client.fetchAll(
        uidSet(uids),
        { uid: true, internalDate: true, envelope: true, bodyStructure: true, ...(gmail ? { emailId: true } : {}) },
        { uid: true },
      ),
    );
  }

  /**
   * These parts of these UIDs of the open folder, BODY.PEEK so \Seen stays: each part number's
   * MIME header (n.MIME) and raw body (n); for '' (a single-part message) its content headers
   * and its TEXT. Keys of the answer's bodyParts are lowercase ("1.mime", "text").
   */
  async fetchTextParts(uids: number[], parts: string[]): Promise<FetchMessageObject[]> {
    if (uids.length === 0) return [];
    const root = parts.includes('');
    const sections = parts.filter((p) => p !== '').flatMap((p) => [`${p}.MIME`, p]);
    return this.run(() =>
      this.client.fetchAll(
        uidSet(uids),
        {
          uid: true,
          ...(root ? { headers: ['content-type', 'content-transfer-encoding', 'content-disposition'] } : {}),
          bodyParts: root ? [...sections, 'TEXT'] : sections,
        },
        { uid: true },
      ),
    );
  }

  /** Whole messages (RFC 822 source) of these UIDs of the open folder, BODY.PEEK so \Seen stays. */
  async fetchSources(uids: number[]): Promise<FetchMessageObject[]> {
    if (uids.length === 0) return [];
    return this.run(() => this.client.fetchAll(uidSet(uids), { uid: true, internalDate: true, source: true }, { uid: true }));
  }

  /** UIDs in the open folder of the Gmail message with this X-GM-MSGID. */
  async searchGmailId(msgId: string): Promise<number[]> {
    return this.run(async () => (await this.client.search({ emailId: msgId }, { uid: true })) || []);
  }

  async close(): Promise<void> {
    if (!this.client.usable) {
      this.client.close();
      return;
    }
    // LOGOUT politely, but never wait long on a server that stopped answering.
    await Promise.race([this.client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
    this.client.close();
  }
}
