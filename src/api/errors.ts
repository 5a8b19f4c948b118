// Errors as the API says them: a status, a stable code, plain words, and for invalid
// input the field that was wrong (body.email, query.limit, params.accountId, …).
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { DirectoryError } from '../app/directory-changes.js';
import { CsvImportError } from '../app/csv-import.js';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);
export const badRequest = (field: string, message: string): ApiError =>
  new ApiError(400, 'bad_request', `${field}: ${message}`, [{ field, message }]);

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

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
      return reply.code(400).send({ error: 'bad_request', message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields });
    }
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send({ error: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) });
    }
    if (err instanceof DirectoryError || err instanceof CsvImportError) {
      const status = /already/.test(err.message) ? 409 : 400;
      return reply.code(status).send({ error: CODES[status], message: err.message });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: CODES[status] ?? 'bad_request', message: err.message });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
}
