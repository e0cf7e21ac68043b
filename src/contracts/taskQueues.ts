import { PRIORITIES, type Priority } from './statuses';

/**
 * One task queue per priority tier, each served by its own worker (own slots and pollers),
 * so a flood of `low` never waits in front of `high`. FIFO holds within a tier.
 */
export function taskQueueFor(base: string, priority: Priority): string {
  return `${base}-${priority}`;
}

export function allTaskQueues(base: string): string[] {
  return PRIORITIES.map((p) => taskQueueFor(base, p));
}

/** Operators' long-running work (re-encryption): its own worker, never in front of mail. */
export function operationsTaskQueue(base: string): string {
  return `${base}-operations`;
}
