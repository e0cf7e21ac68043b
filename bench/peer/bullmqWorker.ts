import { Worker } from 'bullmq';
import { pooledSinkTransport } from '../sinkTransport';

/**
 * Worker process of the BullMQ peer: what a Node team would otherwise build transactional mail
 * on. One job per mail, sent through pooled nodemailer to the same sink as Sendflow.
 */
async function main(): Promise<void> {
  const transport = pooledSinkTransport();
  const worker = new Worker(
    'mail',
    async (job) => {
      const { from, recipient, subject, text } = job.data as Record<string, string>;
      await transport.sendMail({ from, to: recipient, subject, text });
    },
    {
      connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) },
      concurrency: Number(process.env.CONCURRENCY ?? 32),
    },
  );
  await worker.waitUntilReady();
  console.log('worker running');
  const stop = async () => {
    await worker.close();
    transport.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
