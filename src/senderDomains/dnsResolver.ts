import { Resolver } from 'node:dns/promises';

/** The DNS lookups Sendflow makes; injectable so tests can point them at a local server. */
export interface DnsResolver {
  resolveTxt(name: string): Promise<string[][]>;
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export function createDnsResolver(servers: string[] = []): DnsResolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers.length) resolver.setServers(servers);
  return {
    resolveTxt: (name) => resolver.resolveTxt(name),
    resolveMx: (name) => resolver.resolveMx(name),
    resolve4: (name) => resolver.resolve4(name),
    resolve6: (name) => resolver.resolve6(name),
  };
}

const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'NXDOMAIN']);

/** True when the lookup failed because the name has no such records (not a network error). */
export function isNoAnswer(err: unknown): boolean {
  return NO_ANSWER.has((err as { code?: string })?.code ?? '');
}

/** True when the name does not exist at all (NXDOMAIN), as opposed to having no such records. */
export function isNoSuchName(err: unknown): boolean {
  return NO_SUCH_NAME.has((err as { code?: string })?.code ?? '');
}
