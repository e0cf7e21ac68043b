import { type Binary, type Collection, type Db, GridFSBucket, type ObjectId } from 'mongodb';
import { INDEX } from './indexNames';

export interface FileChunk {
  _id: ObjectId;
  files_id: ObjectId;
  n: number;
  data: Binary;
}

/** A GridFS bucket, and its chunks for reads that name their index. */
export interface StoredFiles {
  bucket: GridFSBucket;
  files: Collection<{ _id: ObjectId; length: number }>;
  chunks: Collection<FileChunk>;
}

export function storedFiles(db: Db, bucketName: string): StoredFiles {
  return {
    bucket: new GridFSBucket(db, { bucketName }),
    files: db.collection(`${bucketName}.files`),
    chunks: db.collection<FileChunk>(`${bucketName}.chunks`),
  };
}

export class StoredFileNotFound extends Error {
  constructor(id: ObjectId) {
    super(`File not found for id ${id.toHexString()}`);
    this.name = 'StoredFileNotFound';
  }
}

/**
 * A whole file, read like the driver's download stream but on the chunk index by name: the
 * driver's own query names none, and FerretDB then reads every chunk of every file.
 */
export async function readStoredFile(store: StoredFiles, id: ObjectId): Promise<Buffer> {
  const [file, chunks] = await Promise.all([
    store.files.findOne({ _id: id }),
    store.chunks.find({ files_id: id }).sort({ n: 1 }).hint(INDEX.fileChunks).toArray(),
  ]);
  if (!file) throw new StoredFileNotFound(id);
  const content = Buffer.concat(chunks.map((c) => Buffer.from(c.data.buffer)));
  if (content.length !== file.length)
    throw new Error(`file ${id.toHexString()} has ${content.length} of its ${file.length} bytes`);
  return content;
}

/** Removes a file and any chunks written without one (an upload that never finished). */
export async function deleteStoredFile(store: StoredFiles, id: ObjectId): Promise<void> {
  await store.bucket.delete(id).catch(() => undefined);
}
