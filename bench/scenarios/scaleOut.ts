import { endToEnd, round } from '../measure';
import { log, SIZES } from '../options';
import type { BenchStack } from '../stack';

/** Scenario 4: one worker, then a second worker, then a second API process. */
export async function scaleOut(stack: BenchStack, apiUrl: string) {
  log(`scenario 4: scale-out, ${SIZES.scale} messages each`);
  const run = (urls: string | string[], tag: string) =>
    endToEnd(urls, stack.sink, SIZES.scale, tag, stack.auth, stack.message);
  const one = await run(apiUrl, 's1');
  await stack.startWorker('bench-e2e');
  const twoWorkers = await run(apiUrl, 's2');
  const secondApi = await stack.startApi('bench-e2e');
  const twoApis = await run([apiUrl, secondApi.url], 's3');
  log(
    `  1w ${one.messages_per_second} msg/s, 2w ${twoWorkers.messages_per_second}, 2w+2api ${twoApis.messages_per_second}`,
  );
  return {
    one_worker_one_api: one.messages_per_second,
    two_workers_one_api: twoWorkers.messages_per_second,
    two_workers_two_apis: twoApis.messages_per_second,
    speedup_two_workers: round(twoWorkers.messages_per_second / one.messages_per_second),
  };
}
