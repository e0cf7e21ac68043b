import { round } from '../measure';
import { DOMAIN, KEY, log } from '../options';
import type { BenchStack } from '../stack';

/**
 * The API's memory under large sends: four clients at once each POST a 49 MB JSON body (a
 * 36 MB attachment, just under the 50 MB limit) to a fresh API process. Reports the process's resident memory before, at
 * its peak, and five seconds after the last answer (what it keeps). No worker polls the queue.
 */
export async function largeBodies(stack: BenchStack) {
  log('scenario 1c: four concurrent 49 MB bodies');
  const api = await stack.startApi('bench-large');
  try {
    const idle = api.proc.rssMiB();
    const content = Buffer.alloc(36 * 1024 * 1024, 7).toString('base64');
    const started = performance.now();
    const statuses = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const res = await fetch(`${api.url}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            from: `bench@${DOMAIN}`,
            recipient: `large${i}@${DOMAIN}`,
            subject: 'Your statement',
            text: 'Attached.',
            attachments: [{ filename: 'statement.pdf', content_type: 'application/pdf', content }],
          }),
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 5000));
    const result = {
      statuses,
      seconds: round(seconds),
      idle_rss_mib: idle,
      peak_rss_mib: api.proc.peakRssMiB(),
      kept_rss_mib: api.proc.rssMiB(),
    };
    log(
      `  answers ${statuses.join(',')} in ${result.seconds} s; API RSS idle ${idle} MiB, peak ${result.peak_rss_mib} MiB, ` +
        `5 s later ${result.kept_rss_mib} MiB`,
    );
    return result;
  } finally {
    await api.proc.stop();
  }
}
