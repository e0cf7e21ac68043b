import path from 'node:path';
import { Queue } from 'bullmq';
import { freePort, provisionTools, startService, stopChild } from '../../devtools/localServices';
import { startSmtpSink } from '../../devtools/smtpSink';
import { round, tally, waitForSink } from '../measure';
import { DOMAIN, log, OTP_WARMUP, SIZES } from '../options';
import { startNode } from '../processes';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';

/**
 * Scenario 2c, the peer: the queue a Node team would otherwise build this on. BullMQ on Redis
 * (append-only file, fsync every second), one job per mail, a worker process sending through
 * pooled nodemailer to a sink like Sendflow's; the end-to-end count and the OTP count of the
 * Sendflow scenarios, lost and duplicated mail counted at the sink.
 */
export async function bullmqPeer(stack: BenchStack) {
  const redisBin = provisionTools('redis').redis;
  if (!redisBin) throw new Error('provisioning Redis failed');
  const port = await freePort();
  const redis = await startService({
    name: 'redis',
    command: redisBin,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--dir',
      stack.dir,
    ],
    port,
    logFile: path.join(stack.dir, 'redis.log'),
  });
  const sink = await startSmtpSink({ record: false });
  const worker = await startNode('bullmq', { REDIS_PORT: String(port), SMTP_URL: sink.url });
  const queue = new Queue('mail', { connection: { host: '127.0.0.1', port } });
  const mail = (recipient: string) => stack.message(recipient);
  // Completed and failed jobs are dropped, as a mail queue in production would keep no history.
  const jobOptions = { removeOnComplete: true, removeOnFail: 1000, attempts: 6 };
  try {
    log(`scenario 2c: BullMQ peer, ${SIZES.e2e} messages end to end`);
    const recipients = Array.from({ length: SIZES.e2e }, (_, i) => `peer-${i}@${DOMAIN}`);
    const t0 = Date.now();
    for (let i = 0; i < recipients.length; i += 500)
      await queue.addBulk(
        recipients.slice(i, i + 500).map((r) => ({ name: 'send', data: mail(r), opts: jobOptions })),
      );
    await waitForSink(sink, recipients);
    await new Promise((r) => setTimeout(r, 1000));
    const { lost, duplicated, last } = tally(sink, recipients);
    const e2e = {
      messages: recipients.length,
      messages_per_second: round((recipients.length - lost) / ((last - t0) / 1000)),
      lost,
      duplicated,
    };
    log(`  ${e2e.messages_per_second} msg/s`);

    log(`  OTP latency, ${SIZES.otp} sequential jobs`);
    const otp: number[] = [];
    for (let i = -OTP_WARMUP; i < SIZES.otp; i++) {
      const r = `peer-otp${i}@${DOMAIN}`;
      const start = Date.now();
      await queue.add('send', mail(r), jobOptions);
      while (!sink.arrivals.has(r)) await new Promise((res) => setTimeout(res, 2));
      if (i >= 0) otp.push((sink.arrivals.get(r) as number[])[0] - start);
    }
    return { end_to_end: e2e, otp: summarize(otp) };
  } finally {
    await queue.close();
    await worker.stop();
    await sink.close();
    await stopChild(redis);
  }
}
