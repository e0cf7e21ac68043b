import dns2 from 'dns2';

const { Packet } = dns2;
const NXDOMAIN = 3;

export interface LocalDns {
  server: string;
  setTxt(name: string, values: string[]): void;
  setMx(name: string, records: { exchange: string; priority: number }[]): void;
  close(): Promise<void>;
}

/** A real DNS server on loopback (UDP) answering TXT and MX questions from a table. */
export async function startLocalDns(): Promise<LocalDns> {
  const txt = new Map<string, string[]>();
  const mx = new Map<string, { exchange: string; priority: number }[]>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question.name.toLowerCase();
      if (question.type === Packet.TYPE.TXT && txt.has(name)) {
        for (const value of txt.get(name) ?? []) {
          // A TXT character-string holds 255 octets; longer values (DKIM keys) are split.
          const chunks = value.match(/.{1,255}/g) ?? [''];
          response.answers.push({
            name,
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 60,
            data: chunks,
          } as never);
        }
      } else if (question.type === Packet.TYPE.MX && mx.has(name)) {
        for (const r of mx.get(name) ?? []) {
          response.answers.push({
            name,
            type: Packet.TYPE.MX,
            class: Packet.CLASS.IN,
            ttl: 60,
            ...r,
          } as never);
        }
      } else if (!txt.has(name) && !mx.has(name)) {
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
    setTxt: (name, values) => txt.set(name.toLowerCase(), values),
    setMx: (name, records) => mx.set(name.toLowerCase(), records),
    close: () => server.close(),
  };
}
