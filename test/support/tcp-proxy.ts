// A TCP pass-through that counts the connections made through it: a test observes how many
// times a client connected to a real server (e.g. "a wrong password is not retried") instead
// of inferring it from how long the client took.
import { createConnection, createServer, type Socket } from 'node:net';

export interface CountingProxy {
  host: string;
  port: number;
  /** Connections accepted so far (a connection is counted as it is accepted). */
  connections(): number;
  close(): Promise<void>;
}

/** `hangUp`: close each connection as soon as it is accepted (a server that drops clients). */
export async function countingProxy(target: { host: string; port: number }, opts: { hangUp?: boolean } = {}): Promise<CountingProxy> {
  let accepted = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    accepted++;
    if (opts.hangUp) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    host: '127.0.0.1',
    port: typeof addr === 'object' && addr ? addr.port : 0,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
