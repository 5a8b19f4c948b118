// A TCP proxy that makes a loopback server look like one across the internet: every chunk
// is held back `oneWayMs` in each direction (so a request/response costs 2 × oneWayMs more),
// and each direction of each connection is capped at `bitsPerSecond`, like a provider's
// per-connection throughput. Order is kept: a chunk is delivered when the link has finished
// "transmitting" it plus the one-way delay, and those times only grow.
//
// Used by bench/workers.bench.ts between the workers and Dovecot. Defaults: 20 ms each way
// (40 ms round trip: a European office to a US provider's IMAP front end) and 10 Mbit/s per
// connection per direction (an assumed per-connection rate for a hosted IMAP front end).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface LatencyProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Delay added to every chunk in each direction (default 20 ms). */
  oneWayMs?: number;
  /** Throughput cap per connection per direction (default 10 Mbit/s). */
  bitsPerSecond?: number;
}

export interface LatencyProxy {
  host: string;
  port: number;
  /** Connections open now, and the most that were open at once. */
  connections(): { open: number; peak: number; total: number };
  /** Start counting the peak again (between benchmark passes). */
  resetPeak(): void;
  close(): Promise<void>;
}

/** Above this many bytes waiting in one direction the sender is paused (backpressure). */
const HIGH_WATER = 1 << 20;

/** One direction of one connection: `from` → delay + bandwidth → `to`. */
function delayedPipe(from: Socket, to: Socket, oneWayMs: number, bytesPerMs: number): void {
  const queue: { at: number; chunk: Buffer }[] = [];
  let queued = 0;
  let linkFreeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (queued < HIGH_WATER && from.isPaused()) from.resume();
    if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0]!.at - now));
    else if (ended && !to.destroyed) to.end();
  };

  from.on('data', (chunk: Buffer) => {
    const now = performance.now();
    const start = Math.max(now, linkFreeAt);
    linkFreeAt = start + chunk.length / bytesPerMs;
    queue.push({ at: linkFreeAt + oneWayMs, chunk });
    queued += chunk.length;
    if (queued >= HIGH_WATER) from.pause();
    timer ??= setTimeout(flush, Math.max(0, queue[0]!.at - now));
  });
  from.on('end', () => {
    ended = true;
    if (!queue.length && !timer) to.end();
  });
}

export async function startLatencyProxy(opts: LatencyProxyOptions): Promise<LatencyProxy> {
  const oneWayMs = opts.oneWayMs ?? 20;
  const bytesPerMs = (opts.bitsPerSecond ?? 10_000_000) / 8 / 1000;
  const sockets = new Set<Socket>();
  let peak = 0;
  let total = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: opts.targetHost, port: opts.targetPort });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    total++;
    peak = Math.max(peak, sockets.size / 2);
    delayedPipe(client, upstream, oneWayMs, bytesPerMs);
    delayedPipe(upstream, client, oneWayMs, bytesPerMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    connections: () => ({ open: Math.ceil(sockets.size / 2), peak, total }),
    resetPeak: () => {
      peak = Math.ceil(sockets.size / 2);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
