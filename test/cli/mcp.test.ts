// `touchpoint mcp` through the MCP SDK's own client, spawning the real CLI over stdio: the
// tools it lists, explain on an email that was logged and one that was not, search and status,
// and the token it runs as: one workspace's only, refused when unknown, revoked or expired.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, eml, expectUserError, Workspace } from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';

const w = new Workspace(NOW, 'touchpoint-mcp-');
const tokens = { csm: '', other: '', revoked: '', expiring: '' };
let client: Client;

async function token(args: string[], workspace?: string): Promise<{ id: string; token: string }> {
  const r = await w.run([...(workspace ? ['--workspace', workspace] : []), 'token', 'create', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; token: string };
}

interface ToolAnswer {
  isError?: boolean;
  content: { type: string; text: string }[];
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the document it asked for
  structuredContent?: any;
}
const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as ToolAnswer;

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.account('acme', 'Acme Corp');
  await w.users('account_id,email,name,external_id\nacme,jane@acme.com,Jane Doe,SF-1\n');
  w.write(
    'mail/INBOX/1.eml',
    eml({
      from: 'Jane Doe <jane@acme.com>',
      to: 'alice@ourco.com',
      date: '2026-03-10T09:00:00Z',
      messageId: 'renewal@acme.com',
      subject: 'Renewal',
    }),
  );
  w.write(
    'mail/INBOX/2.eml',
    eml({ from: 'jane@acme.com', to: 'alice@ourco.com', date: '2026-02-20T09:00:00Z', messageId: 'old@acme.com', subject: 'Old thread' }),
  );
  await w.connect('alice@ourco.com', { mail: 'mail' }, AUTH);
  await w.sync();

  // A second workspace in the same database, with an end user of its own.
  expect((await w.run(['init', '--workspace', 'other', '--internal-domain', 'other.example'])).code).toBe(0);
  expect((await w.run(['--workspace', 'other', 'account', 'add', '--id', 'globex', '--name', 'Globex'])).code).toBe(0);
  expect((await w.run(['--workspace', 'other', 'user', 'add', '--account', 'globex', '--email', 'hank@globex.example'])).code).toBe(0);

  tokens.csm = (await token(['--role', 'csm', '--name', 'assistant'], 'cs-team')).token;
  tokens.other = (await token(['--role', 'admin', '--name', 'theirs'], 'other')).token;
  const revoked = await token(['--role', 'csm', '--name', 'old'], 'cs-team');
  expect((await w.run(['--workspace', 'cs-team', 'token', 'revoke', revoked.id])).code).toBe(0);
  tokens.revoked = revoked.token;
  tokens.expiring = (await token(['--role', 'csm', '--name', 'short', '--expires', '1h'], 'cs-team')).token;

  client = new Client({ name: 'touchpoint-test', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--db', w.db, '--now', NOW, '--workspace', 'cs-team', 'mcp', '--token', tokens.csm],
      cwd: w.dir,
      stderr: 'pipe',
    }),
  );
}, 240_000);
afterAll(async () => {
  await client?.close();
  w.cleanup();
});

describe('touchpoint mcp', () => {
  it('lists the read-only tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['explain_email', 'explain_meeting', 'find_email', 'find_meeting', 'search', 'status']);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const explain = tools.find((t) => t.name === 'explain_email')!;
    expect(explain.inputSchema.required).toEqual(['messageId']);
  });

  it('explains a logged email and one dated before the authorization, in words and as the JSON document', async () => {
    const linked = await call('explain_email', { messageId: '<renewal@acme.com>' });
    expect(linked.isError).toBeFalsy();
    expect(linked.structuredContent).toMatchObject({ kind: 'email', outcome: 'linked', accounts: [{ id: 'acme' }] });
    expect(linked.content[0]?.text).toMatch(/^Email <renewal@acme\.com>: linked/);

    const historic = await call('explain_email', { messageId: 'old@acme.com' });
    expect(historic.structuredContent.outcome).toBe('not_linked');
    const failed = historic.structuredContent.checks
      .filter((c: { status: string }) => c.status === 'fail')
      .map((c: { code: string }) => c.code);
    expect(failed).toContain('E2_HISTORIC');
    expect(historic.content[0]?.text).toContain('E2_HISTORIC');
  });

  it('finds an email by sender and day, dated before the authorization: historic (E2), not unknown', async () => {
    const found = await call('find_email', { from: 'jane@acme.com', on: '2026-02-20' });
    expect(found.isError).toBeFalsy();
    const [c, ...rest] = found.structuredContent.candidates;
    expect(rest).toEqual([]);
    expect(c.messageId).toBe('old@acme.com');
    expect(c.checks.filter((x: { status: string }) => x.status === 'fail').map((x: { code: string }) => x.code)).toContain('E2_HISTORIC');
  });

  it('answers search and status for its own workspace', async () => {
    const found = await call('search', { address: 'jane@acme.com' });
    expect(found.structuredContent.accounts.map((a: { id: string }) => a.id)).toEqual(['acme']);
    const status = await call('status');
    expect(status.structuredContent).toMatchObject({ workspace: 'cs-team', connections: [{ teammate: 'alice@ourco.com' }] });
  });

  it("never shows another workspace's end users", async () => {
    const theirs = await call('search', { address: 'hank@globex.example' });
    expect(theirs.structuredContent.accounts).toEqual([]);
  });

  it('says what was wrong with bad input as a tool error', async () => {
    const bad = await call('explain_email', { messageId: '<>' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]?.text).toMatch(/invalid: messageId/);
  });

  it('refuses at start a token that is unknown, revoked, expired or of another workspace', async () => {
    const start = (tok: string, now = NOW) => w.run(['--workspace', 'cs-team', 'mcp', '--token', tok], { now });
    expectUserError(await start('tp_not-a-real-token'), /unknown or revoked API token/);
    expectUserError(await start(tokens.revoked), /unknown or revoked API token/);
    expectUserError(await start(tokens.expiring, '2026-03-20T14:00:00Z'), /expired/);
    expectUserError(await start(tokens.other), /not one of workspace "cs-team"/);
    expectUserError(await w.run(['mcp']), /--token <token> or set TOUCHPOINT_TOKEN/);
  });
});
