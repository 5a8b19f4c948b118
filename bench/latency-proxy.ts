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
  /** Diagnostics: every connection and chunk is recorded here (times in ms since the epoch). */
  trace?: ProxyTraceConnection[];
}

/** One proxied connection as `trace` records it. */
export interface ProxyTraceConnection {
  openAt: number;
  closeAt?: number;
  /** The IMAP user, from the client's LOGIN command. */
  user?: string;
  /** dir: 'up' client→server, 'down' server→client; due: when the model delivers it; sent: when it was written. */
  chunks: { dir: 'up' | 'down'; bytes: number; at: number; due: number; sent?: number; head?: string }[];
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
function delayedPipe(
  from: Socket,
  to: Socket,
  oneWayMs: number,
  bytesPerMs: number,
  trace?: { conn: ProxyTraceConnection; dir: 'up' | 'down' },
): void {
  const queue: { at: number; chunk: Buffer; rec?: ProxyTraceConnection['chunks'][number] }[] = [];
  let queued = 0;
  let linkFreeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0]!.at <= now) {
      const { chunk, rec } = queue.shift()!;
      queued -= chunk.length;
      if (rec) rec.sent = performance.timeOrigin + now;
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
    let rec: ProxyTraceConnection['chunks'][number] | undefined;
    if (trace) {
      const head = trace.dir === 'up' ? chunk.subarray(0, 40).toString('latin1').split('\r')[0] : undefined;
      const login = head && /^\S+ LOGIN "?([^" ]+)/i.exec(head);
      if (login) trace.conn.user = login[1];
      rec = { dir: trace.dir, bytes: chunk.length, at: performance.timeOrigin + now, due: performance.timeOrigin + linkFreeAt + oneWayMs };
      if (head && !login) rec.head = head;
      trace.conn.chunks.push(rec);
    }
    queue.push({ at: linkFreeAt + oneWayMs, chunk, rec });
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
    let conn: ProxyTraceConnection | undefined;
    if (opts.trace) {
      const c: ProxyTraceConnection = { openAt: performance.timeOrigin + performance.now(), chunks: [] };
      conn = c;
      opts.trace.push(c);
      client.once('close', () => {
        c.closeAt = performance.timeOrigin + performance.now();
      });
    }
    delayedPipe(client, upstream, oneWayMs, bytesPerMs, conn && { conn, dir: 'up' });
    delayedPipe(upstream, client, oneWayMs, bytesPerMs, conn && { conn, dir: 'down' });
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
