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
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  return BLOCKED.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

export class BlockedAddressError extends Error {}

/**
 * Resolves a webhook host and refuses it when any address is internal (SSRF protection),
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
