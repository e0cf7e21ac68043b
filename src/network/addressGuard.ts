import { lookup } from 'node:dns/promises';
import net from 'node:net';

/** Loopback, private, link-local, CGNAT, unspecified, multicast and reserved ranges. */
const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  // NAT64 for local use (RFC 8215): translated addresses of the operator's own networks.
  ['64:ff9b:1::', 48],
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv6');
}

/** The 16 bytes of an IPv6 address (any notation, a dotted-quad tail included). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all =
    tail === undefined ? groups(head) : [...groups(head), ...Array(missing).fill('0'), ...groups(tail)];
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/**
 * The IPv4 address an IPv6 one carries, in the forms that reach it: IPv4-mapped
 * (`::ffff:a.b.c.d`, also in hex), IPv4-compatible (`::a.b.c.d`) and NAT64 (`64:ff9b::/96`).
 */
function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const tail = b.slice(12).join('.');
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return tail;
  if (zero(0, 12) && !zero(12, 16) && !(zero(12, 15) && b[15] === 1)) return tail;
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return tail;
  return null;
}

export function isPrivateAddress(address: string): boolean {
  if (!net.isIPv6(address)) return BLOCKED.check(address, 'ipv4');
  const v4 = embeddedIpv4(address);
  if (v4) return BLOCKED.check(v4, 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

export class BlockedAddressError extends Error {}

/**
 * Resolves a host (a webhook's, a relay route's) and refuses it when any address is internal (SSRF protection),
 * unless private targets are allowed. Returns the address to connect to, so a DNS answer
 * that changes between check and connect (rebinding) cannot slip through.
 */
export async function resolvePublicAddress(
  host: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }> {
  const hostname = host.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(hostname)
    ? [{ address: hostname, family: net.isIPv6(hostname) ? 6 : 4 }]
    : await lookup(hostname, { all: true });
  if (!allowPrivate) {
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) throw new BlockedAddressError(`${host} resolves to ${blocked.address}, an internal address`);
  }
  return addresses[0];
}
