// touchpoint mcp: an MCP server over stdio for an AI assistant, answering as one workspace
// API token (--token or TOUCHPOINT_TOKEN). stdout carries the protocol only: every word for
// a person goes to stderr. Loaded lazily, so other commands never pay for the MCP SDK.
import type { Command } from 'commander';
import { tokenAccess } from '../app/token-access.js';
import type { Ctx } from '../store/context.js';
import { connectors, openStore, parseNow, UserError, type GlobalOptions } from './context.js';

export function registerMcpCommand(program: Command, g: () => GlobalOptions): void {
  program
    .command('mcp')
    .description("serve explain, search and status to an AI assistant over MCP (stdio), as one workspace's API token")
    .option('--token <token>', 'a workspace API token (default: $TOUCHPOINT_TOKEN); a csm token is enough')
    .action(async () => {
      const gl = g();
      if (!gl.config.token)
        throw new UserError('give --token <token> or set TOUCHPOINT_TOKEN (touchpoint token create --role csm makes one)');
      // --now pins the clock (tests, replays); otherwise each call reads the real time.
      const now = (): Date => parseNow(gl.now);
      const db = await openStore(gl);
      let access: Awaited<ReturnType<typeof tokenAccess>>;
      try {
        access = await tokenAccess({ db, now: now() }, { token: gl.config.token, ...(gl.workspace ? { workspace: gl.workspace } : {}) });
      } catch (err) {
        await db.destroy();
        throw err;
      }
      const { workspace, token } = access;
      const ctx = (): Ctx => ({ db, ws: workspace, now: now(), actor: `mcp:${token.name}`, connectors: connectors(gl) });
      const { createMcpServer } = await import('../mcp/server.js');
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
      const { findEmails, findMeetings } = await import('../app/find.js');
      const { liveFind } = await import('../app/live-find.js');
      // find asks the providers too (read-only); a CSM token's own mailbox hits show their subject.
      const withLive = (c: Ctx) => ({ ...c, live: liveFind(c, token.teammate ? { viewer: token.teammate } : {}) });
      const server = createMcpServer({
        ctx,
        version: '1',
        find: { emails: (c, q) => findEmails(withLive(c), q), meetings: (c, q) => findMeetings(withLive(c), q) },
      });
      // stdout is the protocol's: a stray console.log anywhere below would corrupt it, so it goes to stderr.
      console.log = console.info = console.debug = console.error;
      const closed = new Promise<void>((resolve) => {
        process.stdin.once('end', resolve);
        process.stdin.once('close', resolve);
      });
      await server.connect(new StdioServerTransport());
      process.stderr.write(
        `touchpoint mcp: answering for workspace ${workspace.slug} as token "${token.name}" (${token.role}); stdin closed ends it\n`,
      );
      await closed;
      await server.close();
      await db.destroy();
    });
}
