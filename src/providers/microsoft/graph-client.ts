// The official Graph client (@microsoft/microsoft-graph-client) for one connection. Its own
// auth middleware only signs https Graph hosts, so a small middleware puts the bearer
// token on every request to the configured base (production: graph.microsoft.com; tests:
// the loopback emulator), and the chain ends in the library's HTTPMessageHandler (fetch).
// Retries are not the library's RetryHandler: graphCall (call.ts) owns them, so throttling
// is bounded per call and surfaces as THROTTLED.
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { MicrosoftTokens } from './auth.js';

export const GRAPH_VERSION = 'v1.0';

class BearerMiddleware implements Middleware {
  private next?: Middleware;
  constructor(private tokens: MicrosoftTokens) {}

  async execute(context: Context): Promise<void> {
    const token = await this.tokens.token();
    const options = context.options ?? {};
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.set('Authorization', `Bearer ${token}`);
    context.options = { ...options, headers: Object.fromEntries(headers.entries()) };
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function graphClient(tokens: MicrosoftTokens, baseUrl: string): Client {
  const bearer = new BearerMiddleware(tokens);
  bearer.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({ middleware: bearer, baseUrl: `${baseUrl}/`, defaultVersion: GRAPH_VERSION });
}

/**
 * @odata.nextLink / deltaLink → a path the client accepts. The client parses absolute https
 * links itself; links under our (possibly http) base are made relative to it.
 */
export function linkPath(link: string, baseUrl: string): string {
  const prefix = `${baseUrl}/${GRAPH_VERSION}/`;
  if (link.startsWith(prefix)) return link.slice(prefix.length);
  if (link.startsWith('https://')) return link;
  throw new Error(`Graph returned a link outside its base URL: ${link.slice(0, 80)}`);
}
