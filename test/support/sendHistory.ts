import type { Collections } from '../../src/db/mongo';

/**
 * Moves a project's clock in the database: writes counts of past events for the hour of `at`,
 * as the event log would have (one hourly-counts document of a writer of its own).
 */
export async function recordPastEvents(
  c: Collections,
  projectId: string,
  at: Date,
  counts: Record<string, number>,
): Promise<void> {
  const day = at.toISOString().slice(0, 10);
  const hour = at.toISOString().slice(11, 13);
  await c.hourlyCounts.updateOne(
    { _id: `${projectId}:${day}:history-${hour}` },
    {
      $set: {
        project_id: projectId,
        day,
        writer: `history-${hour}`,
        counts: JSON.stringify({ [hour]: counts }),
      },
    },
    { upsert: true },
  );
}
