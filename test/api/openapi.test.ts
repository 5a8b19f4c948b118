// The OpenAPI document is one a client generator can use: every operation named (after its
// use case, camelCase, unique), tagged with a described tag, its error answers pointing at the
// one Error component whose codes are the AppError union, and servers from the public URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../src/app/errors.js';
import { testConfig } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Doc {
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: { error: { enum: string[] } } }> };
}

let api: TestApi;
let doc: Doc;
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ route: `${method} ${path}`, op })),
  );

beforeAll(async () => {
  api = await makeTestApi('sqlite', { config: testConfig({ publicUrl: 'https://touchpoint.example.com/' }) });
  doc = (await api.call(null, 'GET', '/openapi.json')).body as Doc;
});
afterAll(async () => api?.close());

describe('the OpenAPI document', () => {
  it('names every operation, once, in camelCase', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(49);
    expect(ops.filter(({ op }) => !op.operationId).map((o) => o.route)).toEqual([]);
    const ids = ops.map(({ op }) => op.operationId!);
    expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(doc.paths['/v1/explain/email']?.get?.operationId).toBe('explainEmail');
  });

  it('tags every operation with a tag the document describes', () => {
    const described = new Set(doc.tags.filter((t) => t.description).map((t) => t.name));
    const untagged = operations().filter(({ op }) => !op.tags?.length || op.tags.some((t) => !described.has(t)));
    expect(untagged.map((o) => o.route)).toEqual([]);
  });

  it('documents 401, 429 and a 400 for input, each as the one Error component with the AppError codes', () => {
    expect(doc.components.schemas.Error?.properties.error.enum).toEqual([...Object.keys(HTTP_STATUS), 'internal']);
    const missing: string[] = [];
    for (const { route, op } of operations()) {
      const authenticated = op.security === undefined || op.security.length > 0;
      const wanted = [...(authenticated ? ['401', '429'] : []), ...(op.parameters?.length || op.requestBody ? ['400'] : [])];
      for (const code of wanted) if (!op.responses[code]) missing.push(`${route} ${code}`);
      for (const [code, answer] of Object.entries(op.responses)) {
        if (!/^[45]/.test(code) || route === 'get /healthz') continue;
        const ref = answer.content?.['application/json']?.schema?.$ref;
        if (ref !== '#/components/schemas/Error') missing.push(`${route} ${code} is not the Error component`);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths['/v1/connections/{connectionId}/sync']!.post!.responses)).toContain('503');
  });

  it('names the server from the public URL', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: 'https://touchpoint.example.com' })]);
  });

  it('answers an error with a code of the documented enum', async () => {
    const res = await api.call(null, 'GET', '/v1/accounts');
    expect(res.status).toBe(401);
    expect(doc.components.schemas.Error?.properties.error.enum).toContain(res.body.error);
  });
});
