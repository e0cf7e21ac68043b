import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolvePublicAddress } from '../network/addressGuard';

export interface PostResult {
  statusCode?: number;
  latencyMs: number;
  error?: string;
  excerpt?: string;
}

const TIMEOUT_MS = 10_000;
const EXCERPT_BYTES = 1024;

/**
 * One POST of a webhook: connects only to the address that passed the SSRF check, follows
 * no redirects, reads at most 1 KB of the answer and gives up after 10 s.
 */
export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { allowPrivate: boolean },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  let pinned: { address: string; family: number };
  try {
    pinned = await resolvePublicAddress(target.hostname, opts.allowPrivate);
  } catch (err) {
    return { latencyMs: elapsed(), error: (err as Error).message };
  }
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [pinned] as never);
    else callback(null, pinned.address, pinned.family);
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        lookup,
        timeout: TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Sendflow-Webhooks/1',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) res.destroy();
        });
        const done = () =>
          resolve({
            statusCode: res.statusCode,
            latencyMs: elapsed(),
            excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
          });
        res.on('end', done);
        res.on('close', done);
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => resolve({ latencyMs: elapsed(), error: err.message }));
    req.end(body);
  });
}
