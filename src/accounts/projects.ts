import type { ProjectDoc } from '../db/documents';
import type { Collections } from '../db/mongo';

export function findProject(c: Collections, projectId: string): Promise<ProjectDoc | null> {
  return c.projects.findOne({ _id: projectId });
}

/** The bounce-plus-complaint rate above which the reputation guard suspends the project. */
export async function setBounceRateThreshold(
  c: Collections,
  projectId: string,
  threshold: number,
): Promise<void> {
  await c.projects.updateOne({ _id: projectId }, { $set: { bounce_rate_threshold: threshold } });
}

/** Lifts a suspension by the reputation guard. */
export async function resumeProject(c: Collections, projectId: string): Promise<void> {
  await c.projects.updateOne({ _id: projectId }, { $unset: { suspended_at: '', suspended_reason: '' } });
}
