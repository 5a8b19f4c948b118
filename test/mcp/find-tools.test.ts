// The find tools of the MCP server, offered once find's use cases are handed in (the CLI does
// when src/app/find.ts lands): each passes exactly the fields given and answers the candidates
// as text and as the document. In process, over the SDK's in-memory transport.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindCandidate, FindEmailQuery, FindMeetingQuery } from '../../src/app/find-types.js';
import { createMcpServer } from '../../src/mcp/server.js';
import type { Ctx } from '../../src/store/context.js';

const asked: { emails: FindEmailQuery[]; meetings: FindMeetingQuery[] } = { emails: [], meetings: [] };
const candidate: FindCandidate = {
  kind: 'email',
  outcome: 'not_linked',
  ref: 'bob-1@acme.com',
  accounts: [],
  checks: [{ rule: 'E3', status: 'fail', code: 'E3_NO_END_USER', detail: 'No participant is an end user of any account.' }],
  remedies: ['Add bob@acme.com as an end user of the account.'],
  remedyCodes: ['ADD_END_USER'],
  remedyActions: [[]],
  hints: [],
  messageId: 'bob-1@acme.com',
  date: '2026-03-10T09:00:00.000Z',
  where: [{ connection: 'c1', teammate: 'alice@ourco.com', folder: 'INBOX' }],
  live: false,
};

const client = new Client({ name: 'test', version: '1' });
beforeAll(async () => {
  const server = createMcpServer({
    ctx: () => ({}) as Ctx,
    version: '1',
    find: {
      emails: async (_ctx, q) => {
        asked.emails.push(q);
        return { candidates: [candidate], liveAsked: false };
      },
      meetings: async (_ctx, q) => {
        asked.meetings.push(q);
        return { candidates: [], liveAsked: false };
      },
    },
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
});
afterAll(async () => client.close());

describe('find tools', () => {
  it('are listed beside the others when find is handed in', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['explain_email', 'explain_meeting', 'find_email', 'find_meeting', 'search', 'status']);
  });

  it('find_email passes the fields given, no others, and answers the candidates', async () => {
    const r = (await client.callTool({
      name: 'find_email',
      arguments: { from: 'bob@acme.com', since: '2026-03-10T00:00:00Z', until: '2026-03-11T00:00:00Z' },
    })) as unknown as { content: { text: string }[]; structuredContent: { candidates: FindCandidate[] } };
    expect(asked.emails).toEqual([{ from: 'bob@acme.com', since: '2026-03-10T00:00:00Z', until: '2026-03-11T00:00:00Z' }]);
    expect(r.structuredContent.candidates[0]?.messageId).toBe('bob-1@acme.com');
    expect(r.content[0]?.text).toContain('not linked — Add bob@acme.com as an end user');
  });

  it('find_meeting refuses a date that is not ISO-8601 before asking find', async () => {
    const r = (await client.callTool({ name: 'find_meeting', arguments: { title: 'QBR', since: 'last tuesday' } })) as {
      isError?: boolean;
    };
    expect(r.isError).toBe(true);
    expect(asked.meetings).toEqual([]);
    const ok = (await client.callTool({ name: 'find_meeting', arguments: { title: 'QBR' } })) as { content: { text: string }[] };
    expect(asked.meetings).toEqual([{ title: 'QBR' }]);
    expect(ok.content[0]?.text).toBe('Nothing found that matches.');
  });
});
