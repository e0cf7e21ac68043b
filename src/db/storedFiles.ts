import { Transform, type Writable } from 'node:stream';
import { type Binary, type Collection, type Db, GridFSBucket, type ObjectId } from 'mongodb';
import { INDEX } from './indexNames';
import type { FieldSealer } from './sealedFields';

/** Plaintext per sealed frame of a stored file: bounded memory while writing and reading. */
const FRAME_BYTES = 64 * 1024;

export interface FileChunk {
  _id: ObjectId;
  files_id: ObjectId;
  n: number;
  data: Binary;
}

/** A GridFS bucket, and its chunks for reads that name their index. */
export interface StoredFiles {
  name: string;
  bucket: GridFSBucket;
  files: Collection<{ _id: ObjectId; length: number; metadata?: { sealed_kid?: string } }>;
  chunks: Collection<FileChunk>;
  /** Files are written sealed when a key is configured. */
  sealer: FieldSealer;
}

export function storedFiles(db: Db, bucketName: string, sealer: FieldSealer): StoredFiles {
  return {
    name: bucketName,
    bucket: new GridFSBucket(db, { bucketName }),
    files: db.collection(`${bucketName}.files`),
    chunks: db.collection<FileChunk>(`${bucketName}.chunks`),
    sealer,
  };
}

const framePlace = (store: StoredFiles, id: ObjectId, index: number, last: boolean) =>
  `${store.name}:${id.toHexString()}:${index}${last ? ':end' : ''}`;

/** A file being written: bytes go into `stream`; `finished` settles once it is stored. */
export interface Upload {
  stream: Writable;
  finished: Promise<void>;
  abort(): Promise<void>;
}

/**
 * Opens a file for writing. With a key configured it is stored as sealed frames (each a length
 * and AES-256-GCM of up to 64 KiB, bound to the file, its position and whether it is the last,
 * so frames cannot be moved, reordered or dropped) and its metadata names the key.
 */
export function openUpload(
  store: StoredFiles,
  id: ObjectId,
  filename: string,
  metadata: Record<string, unknown>,
): Upload {
  const kid = store.sealer.currentKeyId;
  const upload = store.bucket.openUploadStreamWithId(id, filename, {
    metadata: kid ? { ...metadata, sealed_kid: kid } : metadata,
  });
  const finished = new Promise<void>((resolve, reject) => {
    upload.once('finish', () => resolve());
    upload.once('error', reject);
  });
  finished.catch(() => undefined);
  const abort = async () => {
    // abort() deletes the chunks written so far; the delete covers a files entry, if any.
    await upload.abort().catch(() => undefined);
    await deleteStoredFile(store, id);
  };
  if (!kid) return { stream: upload, finished, abort };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  const frame = (plain: Buffer, last: boolean) => {
    const { bytes } = store.sealer.sealBytes(plain, framePlace(store, id, index++, last));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const framer = new Transform({
    transform(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      const out: Buffer[] = [];
      // Keep at least one byte back: the last frame is sealed as the last, at the end.
      while (pendingBytes > FRAME_BYTES) {
        const all = Buffer.concat(pending);
        out.push(frame(all.subarray(0, FRAME_BYTES), false));
        pending = [all.subarray(FRAME_BYTES)];
        pendingBytes -= FRAME_BYTES;
      }
      done(null, out.length ? Buffer.concat(out) : undefined);
    },
    flush(done) {
      done(null, frame(Buffer.concat(pending), true));
    },
  });
  framer.pipe(upload);
  framer.once('error', (err) => upload.destroy(err));
  return { stream: framer, finished, abort };
}

/** The plaintext of a sealed file's frames; a missing or moved frame fails to open. */
function openFrames(store: StoredFiles, id: ObjectId, kid: string, sealed: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let index = 0; offset < sealed.length; index++) {
    const length = sealed.readUInt32BE(offset);
    const end = offset + 4 + length;
    const last = end >= sealed.length;
    parts.push(
      store.sealer.openBytes(kid, sealed.subarray(offset + 4, end), framePlace(store, id, index, last)),
    );
    offset = end;
  }
  return Buffer.concat(parts);
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
  const kid = file.metadata?.sealed_kid;
  return kid ? openFrames(store, id, kid, content) : content;
}

/** Removes a file and any chunks written without one (an upload that never finished). */
export async function deleteStoredFile(store: StoredFiles, id: ObjectId): Promise<void> {
  await store.bucket.delete(id).catch(() => undefined);
}
