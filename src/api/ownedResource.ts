import type { Collection, Filter } from 'mongodb';
import { z } from 'zod';
import { ServiceError } from '../contracts/serviceError';

/** Answer of every DELETE of a project resource. */
export const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

/** A resource of the caller's project by id; another project's resource is unknown too (404). */
export async function findOwned<T extends { _id: string; project_id: string }>(
  collection: Collection<T>,
  projectId: string,
  id: string,
  what: string,
): Promise<T> {
  const doc = await collection.findOne({ _id: id, project_id: projectId } as Filter<T>);
  if (!doc) throw new ServiceError('not_found', `No ${what} ${id}.`);
  return doc as T;
}
