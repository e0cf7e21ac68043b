import { Transform, type Writable } from 'node:stream';
import { Binary, type Collection, type Db, GridFSBucket, type ObjectId } from 'mongodb';
import { INDEX } from './indexNames';
import type { FieldSealer } from './sealedFields';

/** Plaintext per sealed frame of a stored file: bounded memory while writing and reading. */
const FRAME_BYTES = 64 * 1024;
/** A full frame as stored: length, nonce, ciphertext, tag. */
const SEALED_FRAME_BYTES = 4 + 12 + FRAME_BYTES + 16;
/**
 * GridFS chunks of sealed files hold whole frames, so re-encryption can rewrite a file chunk
 * by chunk (each an atomic update) and a reader never meets a frame half under each key.
 */
const SEALED_CHUNK_BYTES = 4 * SEALED_FRAME_BYTES;

interface FileMetadata {
  sealed_kid?: string;
  /** Set while re-encryption rewrites the file: each frame is under this key or sealed_kid. */
  resealing_kid?: string;
}

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
  files: Collection<{ _id: ObjectId; length: number; chunkSize: number; metadata?: FileMetadata }>;
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

/** A frame as stored: its length, then the plaintext sealed with the current key. */
function sealFrame(store: StoredFiles, place: string, plain: Buffer): Buffer {
  const { bytes } = store.sealer.sealBytes(plain, place);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

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
  const upload = store.bucket.openUploadStreamWithId(
    id,
    filename,
    kid ? { metadata: { ...metadata, sealed_kid: kid }, chunkSizeBytes: SEALED_CHUNK_BYTES } : { metadata },
  );
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
  const frame = (plain: Buffer, last: boolean) =>
    sealFrame(store, framePlace(store, id, index++, last), plain);
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

/** One frame's plaintext; during a rewrite it may be under either key. */
function openFrame(store: StoredFiles, meta: FileMetadata, box: Buffer, place: string): Buffer {
  const kid = meta.sealed_kid as string;
  try {
    return store.sealer.openBytes(kid, box, place);
  } catch (err) {
    if (!meta.resealing_kid) throw err;
    return store.sealer.openBytes(meta.resealing_kid, box, place);
  }
}

/** Splits sealed bytes into whole frames (with what remains of a partial one). */
function* framesOf(bytes: Buffer): Generator<{ box: Buffer; end: number }> {
  let offset = 0;
  while (offset + 4 <= bytes.length) {
    const end = offset + 4 + bytes.readUInt32BE(offset);
    if (end > bytes.length) return;
    yield { box: bytes.subarray(offset + 4, end), end };
    offset = end;
  }
}

/** The plaintext of a sealed file's frames; a missing or moved frame fails to open. */
function openFrames(store: StoredFiles, id: ObjectId, meta: FileMetadata, sealed: Buffer): Buffer {
  const parts: Buffer[] = [];
  let index = 0;
  for (const { box, end } of framesOf(sealed)) {
    const last = end >= sealed.length;
    parts.push(openFrame(store, meta, box, framePlace(store, id, index++, last)));
  }
  return Buffer.concat(parts);
}

/**
 * Rewrites a sealed file under the current key, chunk by chunk in place (a re-sealed frame is
 * as long as the old one). The file is marked first, so a reader or a resumed rewrite opens
 * each frame with whichever key it is under; memory stays at a chunk or two.
 * Returns false when the file is already under the current key or is gone.
 */
export async function resealStoredFile(store: StoredFiles, id: ObjectId): Promise<boolean> {
  const current = store.sealer.currentKeyId;
  const file = await store.files.findOne({ _id: id });
  const meta = file?.metadata ?? {};
  if (!file || !current || !meta.sealed_kid || (meta.sealed_kid === current && !meta.resealing_kid))
    return false;
  await store.files.updateOne({ _id: id }, { $set: { 'metadata.resealing_kid': current } });
  const reading: FileMetadata = { sealed_kid: meta.sealed_kid, resealing_kid: current };
  let pending = Buffer.alloc(0);
  let consumed = 0;
  let index = 0;
  let resealed: Buffer[] = [];
  const chunks = store.chunks.find({ files_id: id }).sort({ n: 1 }).hint(INDEX.fileChunks);
  let written = 0;
  const flush = async (upTo: number) => {
    let out = Buffer.concat(resealed);
    while (out.length >= file.chunkSize || (upTo === file.length && out.length > 0)) {
      const data = out.subarray(0, file.chunkSize);
      await store.chunks.updateOne(
        { files_id: id, n: Math.floor(written / file.chunkSize) },
        { $set: { data: new Binary(data) } },
      );
      written += data.length;
      out = out.subarray(data.length);
    }
    resealed = [out];
  };
  for await (const chunk of chunks) {
    pending = Buffer.concat([pending, Buffer.from(chunk.data.buffer)]);
    let used = 0;
    for (const { box, end } of framesOf(pending)) {
      const last = consumed + end >= file.length;
      const plain = openFrame(store, reading, box, framePlace(store, id, index, last));
      resealed.push(sealFrame(store, framePlace(store, id, index, last), plain));
      index++;
      used = end;
    }
    consumed += used;
    pending = pending.subarray(used);
    await flush(consumed);
  }
  if (consumed !== file.length) throw new Error(`file ${id.toHexString()} ends inside a frame`);
  await store.files.updateOne(
    { _id: id },
    { $set: { 'metadata.sealed_kid': current }, $unset: { 'metadata.resealing_kid': '' } },
  );
  return true;
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
  return file.metadata?.sealed_kid ? openFrames(store, id, file.metadata, content) : content;
}

/** Removes a file and any chunks written without one (an upload that never finished). */
export async function deleteStoredFile(store: StoredFiles, id: ObjectId): Promise<void> {
  await store.bucket.delete(id).catch(() => undefined);
}
