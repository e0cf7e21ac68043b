import type { Collection, Filter, OptionalUnlessRequiredId, Sort, UpdateFilter } from 'mongodb';
import { ServiceError } from '../contracts/serviceError';
import { isDuplicateKeyError } from './duplicateKey';

/** A document that belongs to one project; another project's document is unknown to it. */
export interface OwnedDoc {
  _id: string;
  project_id: string;
  name?: string;
}

/** Persistence of one kind of project resource: every query is scoped by project. */
export interface OwnedRepository<T extends OwnedDoc> {
  /** Inserts; a taken unique name is a field error on `name`. */
  insert(doc: T): Promise<T>;
  list(projectId: string): Promise<T[]>;
  /** The resource, or `not_found`. */
  get(projectId: string, id: string): Promise<T>;
  /** Applies the update to a document the caller has just read (with `get`). */
  update(current: T, update: UpdateFilter<T>): Promise<T>;
  remove(projectId: string, id: string): Promise<T>;
}

export interface OwnedRepositoryOptions<T> {
  /** The word used in errors: "No route rte_…". */
  noun: string;
  sort: Sort;
  /** How `get` finds one by the id in a URL (templates also answer to their name). */
  find?: (projectId: string, id: string) => Promise<T | null>;
}

export function ownedRepository<T extends OwnedDoc>(
  collection: Collection<T>,
  options: OwnedRepositoryOptions<T>,
): OwnedRepository<T> {
  const { noun } = options;
  const byId = (projectId: string, id: string) => ({ _id: id, project_id: projectId }) as Filter<T>;
  const find =
    options.find ??
    ((projectId: string, id: string) => collection.findOne(byId(projectId, id)) as Promise<T | null>);
  const get = async (projectId: string, id: string): Promise<T> => {
    const doc = await find(projectId, id);
    if (!doc) throw new ServiceError('not_found', `No ${noun} ${id}.`);
    return doc;
  };
  return {
    async insert(doc) {
      try {
        await collection.insertOne(doc as OptionalUnlessRequiredId<T>);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        throw new ServiceError('validation_failed', `A ${noun} named ${doc.name} already exists.`, [
          { field: 'name', message: 'already exists' },
        ]);
      }
      return doc;
    },
    async list(projectId) {
      return (await collection
        .find({ project_id: projectId } as Filter<T>)
        .sort(options.sort)
        .toArray()) as T[];
    },
    get,
    async update(current, update) {
      const updated = await collection.findOneAndUpdate(byId(current.project_id, current._id), update, {
        returnDocument: 'after',
      });
      // Gone between the caller's read and this write.
      if (!updated) throw new ServiceError('not_found', `No ${noun} ${current._id}.`);
      return updated as T;
    },
    async remove(projectId, id) {
      const current = await get(projectId, id);
      await collection.deleteOne(byId(projectId, current._id));
      return current;
    },
  };
}
