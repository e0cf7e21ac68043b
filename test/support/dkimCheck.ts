import { authenticate } from 'mailauth';

/**
 * The DKIM result of a received mail, verified as a receiving server would, with the domain's
 * published record (`{ name, value }` from POST /v1/domains) as the only DNS answer.
 */
export async function dkimSignature(raw: string, sender: string, record: { name: string; value: string }) {
  const result = await authenticate(Buffer.from(raw), {
    trustReceived: false,
    sender,
    ip: '127.0.0.1',
    helo: 'localhost',
    mta: 'sink.test',
    resolver: async (name: string, rr: string) => {
      if (rr === 'TXT' && name === record.name) return [[record.value]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    },
  });
  return result.dkim.results[0];
}
