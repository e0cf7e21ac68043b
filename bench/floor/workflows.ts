import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities';

const { sendMail } = proxyActivities<FloorActivities>({ startToCloseTimeout: '1m' });

/** The least a durable send can be: one workflow, one activity, no bookkeeping. */
export async function floorSend(recipient: string): Promise<void> {
  await sendMail(recipient);
}
