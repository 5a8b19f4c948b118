// msal-node's network module on fetch. msal only accepts https authorities; the local
// emulator speaks plain http on loopback, so when the configured authority is
// http://127.0.0.1:… msal is given the same URL with https and this module sends those
// requests (and only those: same host and port) over http. Production authorities are
// https and go out unchanged.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export class FetchNetworkModule implements INetworkModule {
  /** `downgradeOrigin`: the https origin msal sees for an http loopback emulator. */
  constructor(private downgradeOrigin?: string) {}

  private target(url: string): string {
    if (this.downgradeOrigin && url.startsWith(`${this.downgradeOrigin}/`)) return `http${url.slice('https'.length)}`;
    return url;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const res = await fetch(this.target(url), {
      method,
      ...(options?.headers ? { headers: options.headers } : {}),
      ...(options?.body !== undefined ? { body: options.body } : {}),
      signal: AbortSignal.timeout(timeout ?? 30_000),
    });
    const text = await res.text();
    // msal expects a JSON object; anything else (an HTML error page, a proxy's text) becomes one it can report.
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      body = { error: 'invalid_response', error_description: `HTTP ${res.status}: ${text.slice(0, 200)}` };
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { status: res.status, headers, body: body as T };
  }
}
