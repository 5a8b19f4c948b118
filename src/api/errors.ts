// Errors as the API says them: `{ error: <AppError code>, message, fields? }`, with the HTTP
// status taken from the code (HTTP_STATUS in app/errors.ts), never from the message. Invalid
// input names each field that was wrong (body.email, query.limit, params.accountId, …).
import type { FastifyError, FastifyInstance, FastifySchema } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, HTTP_STATUS, type AppErrorCode } from '../app/errors.js';
import { ErrorBody } from './schemas.js';

/** The code of an error fastify or a plugin raised itself (a body too large, a bad JSON body, the rate limit). */
function codeOfStatus(status: number): AppErrorCode {
  const byStatus: Record<number, AppErrorCode> = {
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    429: 'rate_limited',
  };
  return byStatus[status] ?? 'invalid';
}

/**
 * A use case names the fields of its input ("url", "security"); the API says where they were
 * in the request ("body.url"). Runs `work` and relabels the fields of an AppError it throws.
 */
export async function fieldsIn<T>(where: 'body' | 'query' | 'params', work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof AppError) || !err.fields) throw err;
    const fields = err.fields.map((f) => ({ field: `${where}.${f.field}`, message: f.message }));
    throw new AppError(err.code, fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
      const fields = err.validation.map((v) => ({
        field: `${where}${v.instancePath.replaceAll('/', '.').replace(/\.$/, '')}`,
        message: v.message ?? 'invalid',
      }));
      return reply.code(400).send({ error: 'invalid', message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields });
    }
    if (err instanceof AppError) {
      return reply
        .code(HTTP_STATUS[err.code])
        .send({ error: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: codeOfStatus(status), message: err.message });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
}

/**
 * Answers every route of a kind can give, said in its documented answers without each route
 * repeating them: a 400 naming the field for a route that takes input (params, query or body:
 * the validation above), a 403 for an admin-only route (api/auth.ts). Only for routes that
 * document their answers at all.
 */
export function documentCommonAnswers(schema: FastifySchema | undefined, role: string | undefined): void {
  if (!schema?.response || typeof schema.response !== 'object') return;
  const answers = schema.response as Record<string, unknown>;
  if ((schema.params || schema.querystring || schema.body) && !answers['400']) answers['400'] = ErrorBody;
  if (role === 'admin' && !answers['403']) answers['403'] = ErrorBody;
}
