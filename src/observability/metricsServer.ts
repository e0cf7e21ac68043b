import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** Whether a scrape may read the metrics: always without a token, else with it as Bearer. */
export function scrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  return !token || authorization === `Bearer ${token}`;
}

/** The Prometheus text of a registry, for a scrape. */
export async function scrape(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** A worker's /metrics (it has no other HTTP server): `host:port`. */
export async function startMetricsServer(
  registry: Registry,
  address: string,
  token?: string,
): Promise<Server> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  const server = createServer(async (req: IncomingMessage, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    if (!scrapeAllowed(req.headers.authorization, token)) {
      res.writeHead(401).end();
      return;
    }
    try {
      const { contentType, body } = await scrape(registry);
      res.writeHead(200, { 'content-type': contentType }).end(body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
