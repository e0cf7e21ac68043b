import { type DnsResolver, isNoAnswer, isNoSuchName } from '../senderDomains/dnsResolver';

/** One mail exchanger and its addresses, IPv6 first, in the order they are tried. */
export interface MxHost {
  host: string;
  addresses: { address: string; family: 4 | 6 }[];
}

/**
 * Where mail for a domain goes (RFC 5321 §5.1, RFC 7505):
 * - `hosts`: MX hosts by preference (equal preferences shuffled), each with its addresses;
 *   the domain's own A/AAAA (the implicit MX) only when it has no MX records at all;
 * - `null_mx`: the domain accepts no mail (`MX 0 .`);
 * - `no_such_domain`: NXDOMAIN, or no MX and no address;
 * - `temporary`: the DNS did not answer (SERVFAIL, timeout): try later, never fall back to A.
 */
export type MxResolution =
  | { kind: 'hosts'; hosts: MxHost[] }
  | { kind: 'null_mx' }
  | { kind: 'no_such_domain'; detail: string }
  | { kind: 'temporary'; detail: string };

const codeOf = (err: unknown) => (err as { code?: string })?.code ?? String(err);

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Addresses of one host, IPv6 then IPv4; a lookup the DNS could not answer is reported. */
async function addressesOf(
  resolver: DnsResolver,
  host: string,
): Promise<{ addresses: MxHost['addresses']; failed?: string }> {
  const lookups = await Promise.allSettled([resolver.resolve6(host), resolver.resolve4(host)]);
  const addresses: MxHost['addresses'] = [];
  let failed: string | undefined;
  lookups.forEach((lookup, i) => {
    const family = i === 0 ? 6 : 4;
    if (lookup.status === 'fulfilled')
      for (const address of lookup.value) addresses.push({ address, family });
    else if (!isNoAnswer(lookup.reason))
      failed = `${family === 6 ? 'AAAA' : 'A'} ${host}: ${codeOf(lookup.reason)}`;
  });
  return { addresses, failed };
}

export async function resolveMx(resolver: DnsResolver, domain: string): Promise<MxResolution> {
  let records: { exchange: string; priority: number }[];
  try {
    records = await resolver.resolveMx(domain);
  } catch (err) {
    if (isNoSuchName(err)) return { kind: 'no_such_domain', detail: `${domain} does not exist (NXDOMAIN)` };
    if (!isNoAnswer(err)) return { kind: 'temporary', detail: `MX ${domain}: ${codeOf(err)}` };
    records = [];
  }
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    // RFC 7505: a null MX is the only record a domain that accepts no mail publishes.
    return { kind: 'null_mx' };
  }
  const implicit = records.length === 0;
  const candidates = implicit ? [{ exchange: domain, priority: 0 }] : records;
  const byPreference = new Map<number, string[]>();
  for (const r of candidates)
    byPreference.set(r.priority, [...(byPreference.get(r.priority) ?? []), r.exchange]);
  const ordered = [...byPreference.keys()]
    .sort((a, b) => a - b)
    .flatMap((preference) => shuffled(byPreference.get(preference) ?? []));
  const resolved = await Promise.all(
    ordered.map(async (host) => ({ host, ...(await addressesOf(resolver, host)) })),
  );
  const hosts = resolved
    .filter((h) => h.addresses.length > 0)
    .map(({ host, addresses }) => ({ host, addresses }));
  const unresolved = resolved.flatMap((h) => (h.failed ? [h.failed] : []));
  if (hosts.length > 0) return { kind: 'hosts', hosts };
  if (unresolved.length > 0) return { kind: 'temporary', detail: unresolved.join('; ') };
  return {
    kind: 'no_such_domain',
    detail: implicit ? `${domain} has no MX and no address` : `no MX host of ${domain} has an address`,
  };
}
