// The shapes of the action endpoints: preview a change before doing it, undo one from the
// audit log, and edit accounts and end users (src/app/preview-change.ts, undo.ts, accounts.ts).
import { z } from 'zod';
import { Address, ChangeResult } from './schemas.js';

export const PreviewRequest = z
  .object({
    kind: z.enum(['blocklist', 'delete_end_user', 'disconnect']),
    entry: z.string().trim().min(1).max(320).optional().describe('blocklist: the domain or address'),
    accountId: z.string().trim().min(1).max(200).optional().describe('delete_end_user: the account'),
    email: Address.optional().describe('delete_end_user: the end user'),
    suppress: z.boolean().default(false).describe('delete_end_user: and stop its source from recreating it'),
    connectionId: z.string().trim().min(1).max(200).optional().describe('disconnect: the connection'),
  })
  .describe('the change to preview; the same parameters as the action it previews');

const AccountEffect = z.object({ accountId: z.string(), name: z.string(), emails: z.number().int(), meetings: z.number().int() });
export const ChangePreview = z.object({
  kind: z.enum(['blocklist', 'delete_end_user', 'disconnect']),
  removes: z.array(AccountEffect).describe('past links the change would remove, per account'),
  adds: z.array(AccountEffect).describe('past links it would add, per account'),
  confirm: z.string().optional().describe('what must be typed to confirm it (a domain of end users: send it as `confirm`)'),
  summary: z.string().describe('one sentence for a person'),
});

export const UndoParams = z.object({ id: z.coerce.number().int().min(1) });
export const UndoResult = ChangeResult.extend({
  undid: z.object({ id: z.number().int(), action: z.string(), target: z.string() }).describe('the audit entry undone'),
});

export const AccountEdit = z.object({ name: z.string().trim().min(1).max(500) });
export const EndUserEdit = z.object({
  email: Address.optional().describe('a new email field (re-decides the past for the old and the new address)'),
  name: z.string().max(200).nullable().optional(),
  externalId: z.string().max(200).nullable().optional(),
});
