import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Addresses a webhook must not reach unless OUTBOUND_ALLOW_PRIVATE=true (SSRF). Loopback is separate. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export interface UrlPolicy {
  production: boolean;
  allowPrivate: boolean;
}

/** Why this resolved address may not be called, or null when it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (policy.allowPrivate) return null;
  if (LOOPBACK.check(ip, family)) return policy.production ? `loopback address ${ip}` : null;
  if (PRIVATE.check(ip, family)) return `private or link-local address ${ip}`;
  return null;
}

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' ||
  host.endsWith('.localhost') ||
  (isIP(host) !== 0 && LOOPBACK.check(host, isIP(host) === 6 ? 'ipv6' : 'ipv4'));

/**
 * Why an endpoint URL is refused, or null. https everywhere, except http to a loopback host outside
 * production; no credentials in the URL; literal addresses checked here, names at connect time (safeLookup).
 */
export function urlRefusal(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (url.protocol === 'http:') {
    if (policy.production || !isLoopbackHost(host))
      return 'https is required (http only to loopback in development)';
  } else if (url.protocol !== 'https:') {
    return `unsupported scheme ${url.protocol}`;
  }
  if (host === 'localhost' || host.endsWith('.localhost'))
    return policy.production && !policy.allowPrivate ? 'loopback host' : null;
  return isIP(host) ? addressRefusal(host, policy) : null;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A dns.lookup for http(s).request that refuses private addresses after resolution, at connect time: a name
 * that resolves (or re-resolves) to an internal address is never connected to.
 */
export function safeLookup(policy: UrlPolicy) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses;
      for (const a of list) {
        const why = addressRefusal(a.address, policy);
        if (why) {
          const refused: NodeJS.ErrnoException = new Error(`refused: ${hostname} resolves to a ${why}`);
          refused.code = 'EREFUSEDADDRESS';
          return callback(refused, '');
        }
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
