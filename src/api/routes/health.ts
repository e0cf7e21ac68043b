import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from 'mongodb';

async function probe(
  check: () => Promise<unknown>,
  timeoutMs: number,
): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness says the process runs; readiness says it can reach MongoDB and Temporal and is not draining. */
export function healthRouter(db: Db, temporal: Client, draining: () => boolean = () => false): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    // Draining after SIGTERM: load balancers stop sending before the process goes.
    if (draining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const [mongo, temporalCheck] = await Promise.all([
      probe(() => db.command({ ping: 1 }), 3000),
      probe(() => temporal.workflowService.getSystemInfo({}), 3000),
    ]);
    const ready = mongo.ok && temporalCheck.ok;
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', checks: { mongodb: mongo, temporal: temporalCheck } });
  });
  return router;
}
