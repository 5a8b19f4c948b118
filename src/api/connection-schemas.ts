// Request and response shapes of the connection routes (zod): a connection's health with its
// sync progress and folder completeness, connecting a folder, an IMAP mailbox or a CalDAV
// calendar, folder settings, re-authorization and "Sync now"; and the support bundle, which
// carries every connection's health. Split from schemas.ts, which keeps the shapes the other
// routes share (this file imports from it, never the other way).
import { z } from 'zod';
import { Address, AuditEntry, Explanation, Workspace } from './schemas.js';

const Counts = z.object({ seen: z.number(), linked: z.number(), upcoming: z.number(), skipped: z.record(z.string(), z.number()) });
export const ConnectionHealth = z.object({
  id: z.string(),
  teammate: z.string(),
  provider: z.string(),
  mail: z.boolean(),
  calendar: z.boolean(),
  status: z.string(),
  statusReason: z.string().nullable(),
  authorizedAt: z.string(),
  lastSyncAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  nextSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
  progress: z
    .object({
      done: z.number().describe('items read so far in this stream'),
      total: z.number().optional().describe('items to read, when the provider tells it (none: Microsoft 365 and Google calendars)'),
      approximate: z.boolean().optional().describe("true when `total` is the provider's estimate (Gmail, Microsoft 365 mail)"),
      stream: z.enum(['mail', 'calendar']).optional(),
      startedAt: z.string().nullable().describe("when this stream's sync started (null on progress stored before it was kept)"),
      etaSeconds: z.number().nullable().describe('seconds left at the rate so far; null until enough is done to tell, or without a total'),
      etaText: z
        .string()
        .nullable()
        .describe('the time left in words ("about 1 min left", "estimating the time left…", "almost done"); null without a total'),
    })
    .nullable()
    .describe('while a sync runs and its source reports how far it is; null otherwise'),
  counts: z.object({ email: Counts, meeting: Counts }),
  errors: z.array(z.object({ where: z.string(), reason: z.string(), lastSeenAt: z.string() })),
  folders: z
    .object({ include: z.array(z.string()), exclude: z.array(z.string()), only: z.array(z.string()).optional() })
    .nullable()
    .describe('mail folder settings (IMAP, Microsoft 365); null for other connections'),
  folderCounts: z
    .array(
      z.object({
        folder: z.string(),
        since: z.string().describe('the scan window start: messages received since then are counted'),
        atServer: z.number().describe('messages the server holds in this folder since `since`'),
        seen: z.number().describe('of them, how many Touchpoint has seen there'),
        countedAt: z.string(),
        rescans: z.number().describe('re-scans of this folder run for the current shortfall (capped)'),
        summary: z.string().describe('in plain words, e.g. "INBOX: 412 at the server since 1 Mar, 412 seen"'),
      }),
    )
    .describe('completeness per synced mail folder, from the last sync'),
});
export const Status = z.object({ workspace: z.string(), syncIntervalMinutes: z.number(), connections: z.array(ConnectionHealth) });
export const NewFolderConnection = z.object({
  teammate: Address.describe("the teammate's address"),
  mail: z
    .string()
    .min(1)
    .optional()
    .describe(
      "directory of .eml files or a Maildir, relative to the workspace's folder under TOUCHPOINT_FOLDER_ROOT (or absolute inside it)",
    ),
  calendar: z
    .string()
    .min(1)
    .optional()
    .describe("directory of .ics files, relative to the workspace's folder under TOUCHPOINT_FOLDER_ROOT (or absolute inside it)"),
  authorizedAt: z.iso.datetime({ offset: true }).describe('when the teammate authorized it; earlier items are historic'),
});
export const SyncNow = z.object({
  connectionId: z.string(),
  status: z
    .enum(['queued', 'already_queued', 'due_now'])
    .describe(
      'already_queued: a sync was waiting; it is the one that will run. due_now: the embedded scheduler starts it at its next tick',
    ),
});

const ConnectBase = z.object({
  teammate: Address.describe("the teammate's address"),
  user: z.string().trim().min(1).max(320).describe('user name on the server'),
  password: z.string().min(1).max(10_000).describe('checked by signing in before anything is saved; stored encrypted, never shown again'),
  authorizedAt: z.iso.datetime({ offset: true }).describe('when the teammate authorized it; earlier items are historic'),
});
const FolderList = z.array(z.string().trim().min(1).max(500)).max(100);
export const SetConnectionFolders = z.object({
  include: FolderList.describe('folder paths, names or markers (\\Junk, junkemail) synced even when skipped by default'),
  exclude: FolderList.describe('folder paths, names or markers never synced; wins over include'),
});
export const NewImapConnection = ConnectBase.extend({
  host: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address')
    .describe('IMAP server host name'),
  port: z.number().int().min(1).max(65535).optional().describe('default 993 for tls, else 143'),
  security: z
    .enum(['tls', 'starttls', 'plain'])
    .default('tls')
    .describe('tls: implicit TLS; starttls: required upgrade; plain: only for a server on this machine'),
  folders: z
    .array(z.string().trim().min(1).max(500))
    .min(1)
    .max(50)
    .optional()
    .describe('only these folders; default every folder except Junk, Trash and Drafts'),
  includeFolders: FolderList.optional().describe('folders synced even when skipped by default (e.g. Junk)'),
  excludeFolders: FolderList.optional().describe('folders never synced (wins over includeFolders)'),
});
export const NewCalDavConnection = ConnectBase.extend({
  url: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .describe('the CalDAV server or calendar-home URL (https://, or http:// for a server on this machine)'),
});
export const Reauthorize = z.object({
  secret: z.string().min(1).max(10_000).optional().describe('the new password (IMAP, CalDAV); none for a folder'),
});

export const SupportBundleQuery = z.object({
  messageId: z.string().trim().min(1).max(998).optional(),
  uid: z.string().trim().min(1).max(1000).optional(),
  occurrence: z.iso.datetime({ offset: true }).optional(),
});
export const SupportBundle = z.object({
  generatedAt: z.string(),
  workspace: Workspace.omit({ id: true }),
  explanation: Explanation,
  connections: z.array(ConnectionHealth),
  audit: z.array(AuditEntry),
});
