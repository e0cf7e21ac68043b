import { Resolver } from 'node:dns/promises';

/** The DNS lookups Sendflow makes; injectable so tests can point them at a local server. */
export interface DnsResolver {
  resolveTxt(name: string): Promise<string[][]>;
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
}

export function createDnsResolver(servers: string[] = []): DnsResolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers.length) resolver.setServers(servers);
  return {
    resolveTxt: (name) => resolver.resolveTxt(name),
    resolveMx: (name) => resolver.resolveMx(name),
  };
}

const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/** True when the lookup failed because the name has no such records (not a network error). */
export function isNoAnswer(err: unknown): boolean {
  return NO_ANSWER.has((err as { code?: string })?.code ?? '');
}
