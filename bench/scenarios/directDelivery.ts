import { endToEnd } from '../measure';
import { log, SIZES } from '../options';
import type { BenchStack } from '../stack';

/**
 * Scenario 2b: the same end-to-end load delivered directly (an `mx` default route: MX lookup
 * against a local DNS server, then SMTP to the MX host) instead of through the relay.
 */
export async function directDeliveryRun(stack: BenchStack) {
  log(`scenario 2b: end to end through an mx route, ${SIZES.scale} messages`);
  const api = await stack.startApi('bench-mx');
  const worker = await stack.startWorker('bench-mx', stack.directDeliveryEnv);
  try {
    const run = await endToEnd(api.url, stack.sink, SIZES.scale, 'mx', stack.auth, stack.message);
    log(
      `  ${run.messages_per_second} msg/s, p50 ${run.latency.p50} ms, lost ${run.lost}, duplicated ${run.duplicated}`,
    );
    return run;
  } finally {
    await api.proc.stop();
    await worker.stop();
  }
}
