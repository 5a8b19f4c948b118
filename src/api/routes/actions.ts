// Actions made safe: preview what a destructive or wide change would do before doing it, undo
// a change from the audit log, and edit accounts and end users (the web app's forms).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { editAccount, editEndUser } from '../../app/accounts.js';
import { invalid } from '../../app/errors.js';
import { previewChange, type ChangeToPreview } from '../../app/preview-change.js';
import { undoChange } from '../../app/undo.js';
import { AccountEdit, ChangePreview, EndUserEdit, PreviewRequest, UndoParams, UndoResult } from '../action-schemas.js';
import { appDeps, ctxFor, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { Account, AccountParams, Address, ChangeResult } from '../schemas.js';

/** The request's parameters for its kind, each named when missing. */
function changeOf(b: {
  kind: ChangeToPreview['kind'];
  entry?: string | undefined;
  accountId?: string | undefined;
  email?: string | undefined;
  suppress: boolean;
  connectionId?: string | undefined;
}): ChangeToPreview {
  const need = (v: string | undefined, field: string) => {
    if (!v) throw invalid(`body.${field}`, `required for ${b.kind}`);
    return v;
  };
  if (b.kind === 'blocklist') return { kind: 'blocklist', entry: need(b.entry, 'entry') };
  if (b.kind === 'disconnect') return { kind: 'disconnect', connectionId: need(b.connectionId, 'connectionId') };
  return { kind: 'delete_end_user', accountId: need(b.accountId, 'accountId'), email: need(b.email, 'email'), suppress: b.suppress };
}

export async function actionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/preview',
    {
      schema: {
        operationId: 'previewChange',
        tags: ['directory'],
        summary:
          'What a blocklist entry, an end-user delete or a disconnect would change, computed without writing: past links removed ' +
          'and added per account, and whether it must be typed to confirm',
        body: PreviewRequest,
        response: { 200: ChangePreview, ...errors(400, 404, 409) },
      },
    },
    async (req) => previewChange(ctxFor(req, deps), changeOf(req.body)),
  );

  r.post(
    '/audit/:id/undo',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'undoChange',
        tags: ['troubleshoot'],
        summary:
          'Undo a change from the audit log: an end user added is deleted, one deleted is added again as it was (lifting its ' +
          'suppression), a blocklist entry added is removed; audited with details.undoOf',
        params: UndoParams,
        response: { 200: UndoResult, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => undoChange(appDeps(req, deps), req.params.id),
  );

  r.patch(
    '/accounts/:accountId',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'editAccount',
        tags: ['directory'],
        summary: 'Rename an account',
        params: AccountParams,
        body: AccountEdit,
        response: { 200: Account, ...errors(400, 403, 404) },
      },
    },
    async (req) => fieldsIn('body', editAccount(appDeps(req, deps), req.params.accountId, req.body)),
  );

  r.patch(
    '/accounts/:accountId/end-users/:email',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'editEndUser',
        tags: ['directory'],
        summary: "Edit an end user's email field, name or external id; a new email field re-decides the past for both addresses",
        params: AccountParams.extend({ email: Address }),
        body: EndUserEdit,
        response: { 200: ChangeResult, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => fieldsIn('body', editEndUser(appDeps(req, deps), req.params.accountId, req.params.email, req.body)),
  );
}
