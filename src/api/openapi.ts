// The OpenAPI document's frame: servers, tags with their descriptions, the security scheme,
// and the schemas that are components ($ref'd, not inlined in every operation). Routes add
// their operations (each with an operationId named after its use case).
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { ErrorBody } from './schemas.js';

const DESCRIPTION = `Touchpoint logs customer emails and meetings onto the right account timeline and explains every decision.

Authenticate with a workspace API token: \`Authorization: Bearer <token>\` (create one with \`touchpoint token create --role admin --name <name>\`).
Every request sees only the token's workspace; ids of another workspace are answered 404. Roles: **admin** (everything) and **csm** (read, \
explain, search, Sync now).
Errors are one shape, \`Error\`: \`{ error, message, fields? }\`, where \`error\` is a stable code that alone decides the status; invalid input \
is a 400 naming each field.`;

export const TAGS = [
  { name: 'workspace', description: "The token's workspace: its settings, API tokens, internal domains, export and deletion" },
  { name: 'directory', description: 'Teammates, accounts, their end users and the blocklist: who counts as a customer of which account' },
  { name: 'activities', description: 'Account timelines and the emails on them: what was logged where, and through whom' },
  { name: 'connections', description: "Teammates' mailboxes and calendars: connecting, health, Sync now, re-authorizing, disconnecting" },
  {
    name: 'troubleshoot',
    description: 'Why an email or meeting was logged or not, search by address, directory hygiene, support bundle, audit log',
  },
  { name: 'webhooks', description: "The workspace's outgoing webhook and its deliveries" },
  { name: 'sources', description: 'Directory sources (HubSpot, Salesforce, Zendesk): connecting, health, Sync now, disconnecting' },
  {
    name: 'callbacks',
    description:
      'Called by Google, Microsoft or the browser coming back from their sign-in, not by API clients: public, each checked by its own secret',
  },
  { name: 'system', description: 'Liveness and Prometheus metrics; public, no workspace data' },
];

/** The schemas that become components: the one error shape every operation's 4xx/5xx answers point at. */
const components = z.registry<{ id: string }>();
components.add(ErrorBody, { id: 'Error' });

/** The server this document describes: TOUCHPOINT_PUBLIC_URL, else where `serve` listens by default. */
function servers(config: Config): { url: string; description: string }[] {
  if (config.publicUrl) return [{ url: config.publicUrl.replace(/\/+$/, ''), description: 'this server (TOUCHPOINT_PUBLIC_URL)' }];
  const port = config.service.port || 8080;
  return [{ url: `http://${config.service.host}:${port}`, description: 'this server (set TOUCHPOINT_PUBLIC_URL to its public address)' }];
}

type TransformObject = ReturnType<typeof createJsonSchemaTransformObject>;

/**
 * The zod transform writes each component twice, as answered (`Error`) and as accepted
 * (`ErrorInput`); a twin no operation points at is left out (a client generator would make a
 * type of it for nothing).
 */
function withoutUnusedInputTwins(transform: TransformObject): TransformObject {
  return (input) => {
    const doc = transform(input) as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
    const schemas = doc.components?.schemas ?? {};
    const used = JSON.stringify(doc.paths ?? {});
    for (const name of Object.keys(schemas)) {
      if (name.endsWith('Input') && !used.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
    }
    return doc as ReturnType<TransformObject>;
  };
}

/** Options of @fastify/swagger. */
export function openApiOptions(config: Config) {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Touchpoint API', version: '1', description: DESCRIPTION },
      servers: servers(config),
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http' as const,
            scheme: 'bearer',
            description: 'a workspace API token (tp_…); its role (admin or csm) decides what it may do',
          },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: TAGS,
    },
    transform: createJsonSchemaTransform({ schemaRegistry: components }),
    transformObject: withoutUnusedInputTwins(createJsonSchemaTransformObject({ schemaRegistry: components })),
  };
}
