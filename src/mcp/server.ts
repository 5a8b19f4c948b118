// Touchpoint as an MCP server: the read-only use cases (explain, search, status and, once
// they land, find) as tools for a CSM's assistant, scoped to the one workspace of the token
// the server was started with. Each tool answers a short text for a person and the JSON
// document (structuredContent) the CLI's --json and the API answer. Nothing here writes.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AppError } from '../app/errors.js';
import { explainEmail, explainMeeting } from '../app/explain.js';
import type { FindEmailQuery, FindMeetingQuery, FindResult } from '../app/find-types.js';
import { search } from '../app/search.js';
import { connectionStatus } from '../app/status.js';
import type { Ctx } from '../store/context.js';
import { explanationText, findText, searchText, statusText } from './summaries.js';

/** find's use cases (src/app/find.ts), handed in by the entry point; without them the find tools are not offered. */
export interface FindUseCases {
  emails(deps: Ctx, q: FindEmailQuery): Promise<FindResult>;
  meetings(deps: Ctx, q: FindMeetingQuery): Promise<FindResult>;
}

export interface McpDeps {
  /** The token's workspace, the store and the clock, fresh for each call. */
  ctx(): Ctx;
  find?: FindUseCases;
  version: string;
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const iso = (what: string) => z.iso.datetime({ offset: true }).optional().describe(`${what} (ISO-8601, e.g. 2026-03-10T00:00:00Z)`);
const teammate = z.string().max(320).optional().describe("only this teammate's mailboxes and calendars (any of their addresses)");
/** The time range and teammate fields both find tools take. */
const whenAndWhose = {
  on: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .describe('one day, YYYY-MM-DD (UTC), instead of since/until'),
  since: iso('from this instant'),
  until: iso('up to this instant'),
  teammate,
  askMailboxes: z
    .boolean()
    .optional()
    .describe('true: search the connected mailboxes / calendars too, even when Touchpoint has candidates (for "not the one I mean")'),
};

/** Runs a use case: its document and text, or its AppError as a tool error in plain words. */
async function answer<T extends object>(work: () => Promise<T>, text: (r: T) => string): Promise<CallToolResult> {
  try {
    const r = await work();
    return { content: [{ type: 'text', text: text(r) }], structuredContent: r as Record<string, unknown> };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}` }] };
  }
}

export function createMcpServer(deps: McpDeps): McpServer {
  const server = new McpServer({ name: 'touchpoint', version: deps.version });

  server.registerTool(
    'explain_email',
    {
      title: 'Why was this email logged, or why not?',
      description:
        'Every check Touchpoint ran on one email (by its Message-ID), the account(s) it was logged on, near-miss hints and what to do. ' +
        'An email Touchpoint never saw is answered "unknown" with the mailboxes that were searched.',
      inputSchema: { messageId: z.string().min(1).max(998).describe('the Message-ID header, with or without <>') },
      annotations: READ_ONLY,
    },
    async ({ messageId }) => answer(() => explainEmail(deps.ctx(), { messageId }), explanationText),
  );

  server.registerTool(
    'explain_meeting',
    {
      title: 'Why was this meeting logged, or why not?',
      description: 'Every check on one meeting (by its calendar UID) or one occurrence of a series, with hints and what to do.',
      inputSchema: {
        uid: z.string().min(1).max(1000).describe("the event's UID"),
        occurrence: iso('the start of one occurrence of a recurring series; default: the most recent one that started'),
      },
      annotations: READ_ONLY,
    },
    async ({ uid, occurrence }) =>
      answer(() => explainMeeting(deps.ctx(), { uid, ...(occurrence ? { occurrence: new Date(occurrence) } : {}) }), explanationText),
  );

  server.registerTool(
    'search',
    {
      title: 'Where is this address?',
      description: 'An address or part of one: the accounts where it is an end user, the teammates using it, its recent activities.',
      inputSchema: { address: z.string().min(2).max(320).describe('an email address or part of one (at least 2 characters)') },
      annotations: READ_ONLY,
    },
    async ({ address }) => answer(() => search(deps.ctx(), { q: address }), searchText),
  );

  server.registerTool(
    'status',
    {
      title: 'Are the mailboxes and calendars syncing?',
      description: 'Per connection: status, last success, next sync, counts of items seen, linked and skipped by reason, the last error.',
      inputSchema: {},
      annotations: READ_ONLY,
    },
    async () => answer(() => connectionStatus(deps.ctx()), statusText),
  );

  if (deps.find) registerFindTools(server, deps.find, deps.ctx);
  return server;
}

/** "Where is my email / meeting?" from what a person remembers. */
function registerFindTools(server: McpServer, find: FindUseCases, ctx: () => Ctx): void {
  server.registerTool(
    'find_email',
    {
      title: 'Where is my email?',
      description:
        'Find an email from what you remember (a sender or recipient, subject words, a time range) and say, for each candidate, ' +
        'whether it was logged and why not. Give at least an address or subject words.',
      inputSchema: {
        from: z.string().max(320).optional().describe('the sender address (or part of it)'),
        to: z.string().max(320).optional().describe('a recipient address (or part of it)'),
        subject: z.string().max(500).optional().describe('words of the subject, all of them, any case'),
        ...whenAndWhose,
      },
      annotations: READ_ONLY,
    },
    async (q) => answer(() => find.emails(ctx(), definedOnly(q)), findText),
  );

  server.registerTool(
    'find_meeting',
    {
      title: 'Where is my meeting?',
      description: 'Find a meeting from its title words or an attendee and a time range, each candidate with why it was or was not logged.',
      inputSchema: {
        title: z.string().max(500).optional().describe('words of the title, all of them, any case'),
        attendee: z.string().max(320).optional().describe("an attendee's address (or part of it)"),
        ...whenAndWhose,
      },
      annotations: READ_ONLY,
    },
    async (q) => answer(() => find.meetings(ctx(), definedOnly(q)), findText),
  );
}

/** The query without the keys left out (exactOptionalPropertyTypes: absent, not undefined). */
function definedOnly<T extends Record<string, string | boolean | undefined>>(q: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
