// What the Google and Microsoft emulators share of plain node:http: their server on a free
// loopback port, and the sentinel their route groups answer for a path that is not their own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a group of an emulator's routes returns for a path that is not its own. */
export const UNMATCHED = Symbol('unmatched');

/** A server on a free loopback port answering with `handle`; a request it fails answers 500 with the error. */
export async function serveOnLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}
