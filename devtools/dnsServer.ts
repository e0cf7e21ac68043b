import dns2 from 'dns2';

const { Packet } = dns2;
const SERVFAIL = 2;
const NXDOMAIN = 3;

type Failure = 'servfail' | 'timeout';

export interface LocalDns {
  server: string;
  setTxt(name: string, values: string[]): void;
  /** MX records; `{ exchange: '', priority: 0 }` alone is a null MX (RFC 7505). */
  setMx(name: string, records: { exchange: string; priority: number }[]): void;
  setA(name: string, addresses: string[]): void;
  setAaaa(name: string, addresses: string[]): void;
  /** Questions about the name (of the given types, default all) fail: SERVFAIL, or no answer at all. */
  setFailure(name: string, failure: Failure, types?: ('MX' | 'A' | 'AAAA' | 'TXT')[]): void;
  close(): Promise<void>;
}

/**
 * A real DNS server on loopback (UDP) answering TXT, MX, A and AAAA questions from a table;
 * a name it knows nothing about is NXDOMAIN, a known name without the asked type is NODATA.
 */
export async function startLocalDns(): Promise<LocalDns> {
  const records = {
    txt: new Map<string, string[]>(),
    mx: new Map<string, { exchange: string; priority: number }[]>(),
    a: new Map<string, string[]>(),
    aaaa: new Map<string, string[]>(),
  };
  const failures = new Map<string, { failure: Failure; types?: number[] }>();
  const known = (name: string) => Object.values(records).some((table) => table.has(name));
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question.name.toLowerCase();
      const answer = (type: number, data: Record<string, unknown>) =>
        response.answers.push({ name, type, class: Packet.CLASS.IN, ttl: 60, ...data } as never);
      const rule = failures.get(name);
      const failure = rule && (!rule.types || rule.types.includes(question.type)) ? rule.failure : undefined;
      if (failure === 'timeout') return;
      if (failure === 'servfail') response.header.rcode = SERVFAIL;
      else if (question.type === Packet.TYPE.TXT && records.txt.has(name)) {
        for (const value of records.txt.get(name) ?? []) {
          // A TXT character-string holds 255 octets; longer values (DKIM keys) are split.
          answer(Packet.TYPE.TXT, { data: value.match(/.{1,255}/g) ?? [''] });
        }
      } else if (question.type === Packet.TYPE.MX && records.mx.has(name)) {
        for (const r of records.mx.get(name) ?? []) answer(Packet.TYPE.MX, { ...r });
      } else if (question.type === Packet.TYPE.A && records.a.has(name)) {
        for (const address of records.a.get(name) ?? []) answer(Packet.TYPE.A, { address });
      } else if (question.type === Packet.TYPE.AAAA && records.aaaa.has(name)) {
        for (const address of records.aaaa.get(name) ?? []) answer(Packet.TYPE.AAAA, { address });
      } else if (!known(name)) {
        response.header.rcode = NXDOMAIN;
      }
      send(response);
    },
  });
  const addresses = (await server.listen({ udp: { port: 0, address: '127.0.0.1' } })) as unknown as {
    udp: { port: number };
  };
  return {
    server: `127.0.0.1:${addresses.udp.port}`,
    setTxt: (name, values) => records.txt.set(name.toLowerCase(), values),
    setMx: (name, mx) => records.mx.set(name.toLowerCase(), mx),
    setA: (name, a) => records.a.set(name.toLowerCase(), a),
    setAaaa: (name, aaaa) => records.aaaa.set(name.toLowerCase(), aaaa),
    setFailure: (name, failure, types) =>
      failures.set(name.toLowerCase(), { failure, types: types?.map((t) => Packet.TYPE[t]) }),
    close: () => server.close(),
  };
}
