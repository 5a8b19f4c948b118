// The one outbound-address policy: every connection the server opens on a user's say-so
// (webhooks today; CalDAV, IMAP and anything later) asks it first. A workspace admin must not
// be able to make the server reach its own loopback, the private network it sits in, or the
// cloud metadata service, whatever spelling of the address they type (decimal, hex, octal,
// IPv4-mapped IPv6, NAT64) and whatever a DNS name resolves to — checked once before and again
// at connect time (`policy.lookup`), so a name that re-resolves to 127.0.0.1 (DNS rebinding)
// is still refused. The operator may allow exact hosts and CIDRs (e.g. a receiver on the LAN).
//
// Errors say only REFUSED or COULD_NOT_CONNECT: which port is closed, which name does not
// resolve, or what TLS said is exactly what a scanner wants to learn.
import { promises as dns, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export const REFUSED = 'refused by policy';
export const COULD_NOT_CONNECT = 'could not connect';

/** Thrown (or passed to a lookup callback) when the policy refuses a target. */
export class OutboundRefusedError extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
  constructor() {
    super(REFUSED);
    this.name = 'OutboundRefusedError';
  }
}

export type OutboundVerdict =
  | { allowed: true; host: string; addresses: string[] }
  | { allowed: false; reason: typeof REFUSED | typeof COULD_NOT_CONNECT };

/** Resolves a name to all its addresses (dns.promises.lookup with all: true; replaceable in tests). */
export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

export interface OutboundPolicyOptions {
  /** Exact host names and IP addresses or CIDRs the operator allows anyway, e.g. ['127.0.0.1/32', 'localhost']. */
  allow?: readonly string[];
  resolve?: Resolve;
}

// Special-purpose ranges that are not the public internet (IANA special-purpose registries).
const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this network", incl. the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. the metadata service 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
];
const V6_BLOCKED: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
];

const BLOCKED = new BlockList();
for (const [net, prefix] of V4_BLOCKED) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of V6_BLOCKED) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** An IPv6 address as 8 16-bit groups (a trailing dotted IPv4 part expanded). */
function v6Groups(ip: string): number[] {
  let s = ip.toLowerCase().replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16));
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), or undefined. */
function embeddedV4(ip: string): string | undefined {
  const g = v6Groups(ip);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6] ?? 0, g[7] ?? 0); // ::ffff:a.b.c.d
  if (zeros(0, 6) && (g[6] ?? 0) !== 0) return v4(g[6] ?? 0, g[7] ?? 0); // ::a.b.c.d (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6] ?? 0, g[7] ?? 0); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return v4(g[1] ?? 0, g[2] ?? 0); // 6to4
  return undefined;
}

/** True when an IP address (either family, any embedding) is not a public internet address. */
export function isBlockedAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return BLOCKED.check(ip, 'ipv4');
  if (family !== 6) return true; // not an address: nothing to connect to
  const v4 = embeddedV4(ip);
  if (v4 !== undefined && BLOCKED.check(v4, 'ipv4')) return true;
  return BLOCKED.check(ip.replace(/%.*$/, ''), 'ipv6');
}

/**
 * A host as a URL parser sees it: brackets off, lower case, no trailing dot, and the odd IPv4
 * spellings (2130706433, 0x7f000001, 0177.0.0.1, 127.1) turned into dotted quads exactly as
 * WHATWG URL does — so the policy checks the address a client would actually connect to.
 * undefined when it is no valid host.
 */
export function normaliseHost(host: string): string | undefined {
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h) === 6) return h.toLowerCase();
  if (!h || /[/?#@\\\s]/.test(h)) return undefined;
  try {
    const parsed = new URL(`http://${h}`).hostname;
    return parsed.replace(/\.$/, '') || undefined;
  } catch {
    return undefined;
  }
}

const defaultResolve: Resolve = (host) => dns.lookup(host, { all: true, verbatim: true });

export class OutboundPolicy {
  private readonly allowHosts = new Set<string>();
  private readonly allowNets = new BlockList();
  private readonly resolve: Resolve;

  constructor(opts: OutboundPolicyOptions = {}) {
    this.resolve = opts.resolve ?? defaultResolve;
    for (const raw of opts.allow ?? []) {
      const entry = raw.trim();
      if (!entry) continue;
      const cidr = /^\[?([^\]/]+)\]?\/(\d{1,3})$/.exec(entry);
      const ip = cidr?.[1] ?? entry.replace(/^\[(.*)\]$/, '$1');
      const family = isIP(ip);
      if (family) {
        const max = family === 4 ? 32 : 128;
        const prefix = cidr ? Number(cidr[2]) : max;
        if (prefix > max) throw new Error(`outbound allow-list: "${raw}" is not a valid CIDR`);
        this.allowNets.addSubnet(ip, prefix, family === 4 ? 'ipv4' : 'ipv6');
        continue;
      }
      const host = normaliseHost(entry);
      if (!host || cidr) throw new Error(`outbound allow-list: "${raw}" is neither a host name nor an IP address/CIDR`);
      this.allowHosts.add(host);
    }
  }

  /** May the server connect to `address`, reached through the name `host`? */
  permits(address: string, host?: string): boolean {
    if (host !== undefined && this.allowHosts.has(normaliseHost(host) ?? '')) return true;
    const family = isIP(address);
    if (family && this.allowNets.check(address.replace(/%.*$/, ''), family === 4 ? 'ipv4' : 'ipv6')) return true;
    return !isBlockedAddress(address);
  }

  /** Checks a host (and port): every address it resolves to must be permitted. */
  async checkHost(host: string, port?: number): Promise<OutboundVerdict> {
    const h = normaliseHost(host);
    if (!h) return { allowed: false, reason: REFUSED };
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return { allowed: false, reason: REFUSED };
    if (isIP(h)) return this.permits(h, h) ? { allowed: true, host: h, addresses: [h] } : { allowed: false, reason: REFUSED };
    let addresses: string[];
    try {
      addresses = (await this.resolve(h)).map((a) => a.address);
    } catch {
      return { allowed: false, reason: COULD_NOT_CONNECT };
    }
    if (addresses.length === 0) return { allowed: false, reason: COULD_NOT_CONNECT };
    // One private answer among public ones is enough to refuse: the client may pick it.
    if (!addresses.every((a) => this.permits(a, h))) return { allowed: false, reason: REFUSED };
    return { allowed: true, host: h, addresses };
  }

  /** Checks a URL: no credentials in it, and its host as checkHost does. */
  async checkUrl(url: string | URL): Promise<OutboundVerdict> {
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return { allowed: false, reason: REFUSED };
    }
    if (u.username || u.password || !u.hostname) return { allowed: false, reason: REFUSED };
    return this.checkHost(u.hostname, u.port ? Number(u.port) : undefined);
  }

  /**
   * A `lookup` for http(s).request / Agent, net.connect, tls.connect or undici's connect
   * options: resolves as dns.lookup does, then refuses when any answer is not permitted, so
   * the address actually connected to is the one checked. (Clients skip lookup for an IP
   * literal: check those with checkUrl/checkHost first.)
   */
  readonly lookup = (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions | number | undefined,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const opts = typeof options === 'number' ? { family: options } : (options ?? {});
    const family = opts.family === 'IPv4' ? 4 : opts.family === 'IPv6' ? 6 : opts.family;
    this.resolve(hostname).then(
      (answers) => {
        const addresses = answers.filter((a) => !family || a.family === family);
        if (addresses.length === 0) return callback(Object.assign(new Error(COULD_NOT_CONNECT), { code: 'ENOTFOUND' }), '', 0);
        if (!addresses.every((a) => this.permits(a.address, hostname))) return callback(new OutboundRefusedError(), '', 0);
        if ((opts as LookupAllOptions).all) return callback(null, addresses);
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/** The one message a caller may show or store for a failed outbound attempt. */
export function outboundErrorMessage(err: unknown): typeof REFUSED | typeof COULD_NOT_CONNECT {
  return err instanceof OutboundRefusedError || (err as { cause?: unknown })?.cause instanceof OutboundRefusedError
    ? REFUSED
    : COULD_NOT_CONNECT;
}

const policies = new WeakMap<readonly string[], OutboundPolicy>();

/** The policy of a Config's allow-list (`outboundAllow`), built once per list. */
export function outboundPolicyFor(settings: { outboundAllow: readonly string[] }): OutboundPolicy {
  let p = policies.get(settings.outboundAllow);
  if (!p) {
    p = new OutboundPolicy({ allow: settings.outboundAllow });
    policies.set(settings.outboundAllow, p);
  }
  return p;
}
