// One security policy for every face (CLI, API): where a secret may travel in clear text.
// Plain-text IMAP and http:// CalDAV send the password readable by anyone on the path, so
// they are accepted only to this machine. What "this machine" means is decided by
// isLoopbackHost alone. Where a server may be at all is the outbound-address policy's to say
// (src/net/outbound-policy.ts): checkServerAddress, before any secret is sent.
import { isIPv4, isIPv6 } from 'node:net';
import { COULD_NOT_CONNECT, outboundPolicyFor, type OutboundPolicy } from '../net/outbound-policy.js';
import { connectorDeps } from '../store/context.js';
import type { AppDeps } from './deps.js';
import { AppError, invalid } from './errors.js';

/** The outbound policy of a use case: the one it was given, or its Config's allow-list. */
export function outboundOf(deps: Pick<AppDeps, 'outbound' | 'connectors'>): OutboundPolicy {
  return deps.outbound ?? outboundPolicyFor(connectorDeps(deps).settings);
}

const REFUSED_SERVER =
  'refused by policy: the server must be at a public internet address (an operator can allow other hosts with TOUCHPOINT_OUTBOUND_ALLOW)';

/**
 * Refuses a server whose address (any the name resolves to; 127.attacker.example,
 * 127.0.0.1.nip.io, link-local and metadata names included) the outbound policy refuses:
 * 'refused_by_policy' naming `field`. A name that does not resolve is 'rejected' with
 * "could not connect". Nothing is sent to the server before this passes.
 */
export async function checkServerAddress(policy: OutboundPolicy, field: string, host: string, port?: number): Promise<void> {
  const verdict = await policy.checkHost(host, port);
  if (verdict.allowed) return;
  if (verdict.reason === COULD_NOT_CONNECT) throw new AppError('rejected', `${field}: ${host}: ${COULD_NOT_CONNECT}; nothing was saved`);
  throw new AppError('refused_by_policy', `${field}: ${REFUSED_SERVER}`, [{ field, message: REFUSED_SERVER }]);
}

/**
 * localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z), decided by parsing the address the
 * way a URL does (so "127.1" is 127.0.0.1) — never by a prefix test: "127.attacker.example"
 * is a name anyone can point anywhere, not a loopback address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h === 'localhost') return true;
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  if (isIPv6(bare)) {
    const v6 = new URL(`http://[${bare}]/`).hostname.slice(1, -1); // canonical, compressed form
    if (v6 === '::1') return true;
    const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(v6);
    return mapped !== null && Number.parseInt(mapped[1]!, 16) >> 8 === 127;
  }
  let v4: string;
  try {
    v4 = new URL(`http://${bare}/`).hostname; // "127.1", "0x7f.0.0.1" → "127.0.0.1"; a name stays a name
  } catch {
    return false;
  }
  return isIPv4(v4) && v4.startsWith('127.');
}

/** checkServerAddress for the host and port of a (CalDAV) URL, on the field `url`. */
export function checkServerUrl(policy: OutboundPolicy, url: string): Promise<void> {
  const u = new URL(url);
  return checkServerAddress(policy, 'url', u.hostname, u.port ? Number(u.port) : undefined);
}

/** Plain IMAP sends the password in clear: accepted only for a server on this machine. */
export function checkImapTransport(cfg: { host: string; security: string }): void {
  if (cfg.security === 'plain' && !isLoopbackHost(cfg.host)) {
    throw invalid(
      'security',
      'plain IMAP would send the password in clear text: use tls or starttls (plain is accepted only for a server on this machine)',
    );
  }
}

/** The CalDAV URL, normalized: https, or http to this machine only (Basic auth would cross the network in clear). */
export function checkCalDavUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid('url', `"${raw}" is not a URL (e.g. https://caldav.example.com/)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw invalid('url', `"${raw}" must start with https:// (or http:// for a server on this machine)`);
  if (u.username || u.password) throw invalid('url', 'must not contain a user name or password; give them in their own fields');
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw invalid(
      'url',
      'use https:// — over http:// the password would cross the network in clear text (http is accepted only for a server on this machine)',
    );
  }
  return u.href;
}
