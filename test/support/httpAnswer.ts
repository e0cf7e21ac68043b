import type { ClientRequest, IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** When the whole answer had arrived (ms since epoch). */
  at: number;
}

/**
 * The JSON answer to a node:http request: for what fetch cannot do (send TRACE, write a body
 * piece by piece). Never rejects unhandled: a test that destroys the request ignores it.
 */
export function httpAnswer(req: ClientRequest): Promise<HttpAnswer> {
  const answer = new Promise<HttpAnswer>((resolve, reject) => {
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
          at: Date.now(),
        }),
      );
    });
    req.once('error', reject);
  });
  answer.catch(() => undefined);
  return answer;
}
