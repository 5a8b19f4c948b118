// The benchmark's latency proxy (bench/latency-proxy.ts) must not change what flows through
// it: every byte, in order, both ways, with several connections at once (it is what the
// scale-out figures in docs/benchmarks.md are measured through). No timing is asserted.
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLatencyProxy, type LatencyProxy } from '../../bench/latency-proxy.js';

let echo: Server | undefined;
let proxy: LatencyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
});

async function startEcho(): Promise<number> {
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const a = echo.address();
  return typeof a === 'object' && a ? a.port : 0;
}

async function roundTrip(port: number, chunks: string[]): Promise<{ socket: Socket; back: Promise<string> }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const expected = chunks.join('').length;
  const back = new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (d) => {
      got += String(d);
      if (got.length >= expected) resolve(got);
    });
  });
  for (const c of chunks) socket.write(c);
  return { socket, back };
}

describe('latency proxy', () => {
  it('delivers every byte in order both ways, for several connections at once', async () => {
    const target = await startEcho();
    proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: target, oneWayMs: 5, bitsPerSecond: 8_000_000 });
    const chunks = (n: number) => Array.from({ length: 300 }, (_, i) => `<${n}:${i}:${'x'.repeat(i % 50)}>`);
    const sessions = await Promise.all([1, 2, 3].map((n) => roundTrip(proxy!.port, chunks(n))));
    const echoed = await Promise.all(sessions.map((s) => s.back));
    expect(echoed).toEqual([1, 2, 3].map((n) => chunks(n).join('')));
    expect(proxy.connections().peak).toBe(3);
    for (const s of sessions) s.socket.end();
  });

  it('passes 4 MB through the bandwidth cap intact (more than it holds back before pausing the sender)', async () => {
    const target = await startEcho();
    proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: target, oneWayMs: 1, bitsPerSecond: 400_000_000 });
    const big = Array.from({ length: 64 }, (_, i) => `${String(i).padStart(4, '0')}${'y'.repeat(64 * 1024)}`);
    const { socket, back } = await roundTrip(proxy.port, big);
    expect(await back).toBe(big.join(''));
    socket.end();
  });
});
