// The service's clock, as the web app reads it: every API answer carries the server's "now"
// (X-Touchpoint-Now), and the app keeps the difference to the browser's clock. Relative times
// ("3 h ago") and the "Authorized since" default follow the service, so a demo served at its
// date (`npm start`, `serve --now`) reads the same in the browser as on the CLI.
let offsetMs = 0;

/** Called with each API answer's X-Touchpoint-Now header (absent or unreadable: no change). */
export function noteServerNow(header: string | null): void {
  const at = header ? Date.parse(header) : Number.NaN;
  if (!Number.isNaN(at)) offsetMs = at - Date.now();
}

/** Now on the service's clock (the browser's until the first API answer). */
export function serverNow(): Date {
  return new Date(Date.now() + offsetMs);
}
