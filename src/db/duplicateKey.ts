import { MongoServerError } from 'mongodb';

/** A unique index refused the write: how inserts claim ids atomically on any MongoDB-wire server. */
export function isDuplicateKeyError(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}
