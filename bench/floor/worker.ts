import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { pooledSinkTransport } from '../sinkTransport';
import { createFloorActivities } from './activities';

/**
 * Worker process of the "Temporal floor" ceiling: the same Temporal server and SMTP sink as
 * Sendflow, one workflow and one activity per mail, no MongoDB. What durability on Temporal
 * costs on this machine, before any of Sendflow's own work.
 */
async function main(): Promise<void> {
  const transport = pooledSinkTransport();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bench-floor',
    activities: createFloorActivities(transport, 'bench@bench.test'),
    workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') }),
  });
  console.log('worker running');
  await worker.run();
  transport.close();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
