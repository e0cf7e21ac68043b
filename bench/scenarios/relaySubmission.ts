import nodemailer from 'nodemailer';
import { round } from '../measure';
import { DOMAIN, KEY, log, SIZES } from '../options';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';

/**
 * SMTP submissions through the relay process, next to the HTTP accepts of scenario 1: `c`
 * legacy clients, each on one kept-open connection (STARTTLS and AUTH once, as a pooled
 * application does), submitting one-recipient mails back to back. No worker polls the queue:
 * like scenario 1, this measures accepting, not delivering.
 */
export async function relaySubmission(stack: BenchStack) {
  log('scenario 1b: SMTP relay submissions');
  const relay = await stack.startRelay('bench-relay');
  const mail = { from: `bench@${DOMAIN}`, to: `relay@${DOMAIN}`, subject: 'Your code', text: 'Code: 123456' };
  const rows = [];
  try {
    for (const c of SIZES.concurrencies) {
      const clients = Array.from({ length: c }, () =>
        nodemailer.createTransport({
          host: '127.0.0.1',
          port: relay.port,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user: 'bench', pass: KEY },
          pool: true,
          maxConnections: 1,
        }),
      );
      await Promise.all(clients.map((client) => client.sendMail(mail)));
      const latencies: number[] = [];
      let errors = 0;
      const deadline = Date.now() + SIZES.acceptSeconds * 1000;
      await Promise.all(
        clients.map(async (client) => {
          while (Date.now() < deadline) {
            const t0 = performance.now();
            try {
              await client.sendMail(mail);
              latencies.push(performance.now() - t0);
            } catch {
              errors++;
            }
          }
        }),
      );
      for (const client of clients) client.close();
      const row = {
        concurrency: c,
        submissions_per_second: round(latencies.length / SIZES.acceptSeconds),
        ...summarize(latencies),
        errors,
      };
      rows.push(row);
      log(`  c=${c}: relay ${row.submissions_per_second} submissions/s p99 ${row.p99} ms, ${errors} errors`);
    }
    return { rows, peak_rss_mib: relay.proc.peakRssMiB() };
  } finally {
    await relay.proc.stop();
  }
}
