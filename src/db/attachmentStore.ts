import { Binary, ObjectId } from 'mongodb';
import type Mail from 'nodemailer/lib/mailer';
import { SpooledContent } from '../contracts/spooledContent';
import { deleteStoredFile, openUpload, readStoredFile, type StoredFiles } from './storedFiles';

/** Attachments up to this size live inside the message document; larger ones in GridFS. */
export const INLINE_ATTACHMENT_LIMIT = 256 * 1024;

export interface AttachmentRef {
  filename: string;
  content_type: string;
  size: number;
  inline?: Binary;
  gridfs_id?: ObjectId;
}

/** A file being written as its bytes arrive; nobody owns it until a message adopts it. */
export interface Spool {
  /** False when the caller should wait for `drain` before writing more. */
  write(bytes: Buffer): boolean;
  once(event: 'drain' | 'error', listener: (err?: Error) => void): void;
  finish(): Promise<{ fileId: string; size: number }>;
  abort(): Promise<void>;
}

export function openSpool(store: StoredFiles, filename: string): Spool {
  const id = new ObjectId();
  const upload = openUpload(store, id, filename, { spooled_at: new Date() });
  let size = 0;
  return {
    write(bytes) {
      size += bytes.length;
      return upload.stream.write(bytes);
    },
    once(event, listener) {
      upload.stream.once(event, listener);
    },
    async finish() {
      upload.stream.end();
      // Errors surface here; until then a failed upload only stops taking bytes.
      await upload.finished;
      return { fileId: id.toHexString(), size };
    },
    abort: upload.abort,
  };
}

/** Deletes a spooled file no message adopted (the request failed or was a replay). */
export async function discardSpooled(store: StoredFiles, content: SpooledContent): Promise<void> {
  await deleteStoredFile(store, new ObjectId(content.fileId));
}

export async function storeAttachments(
  store: StoredFiles,
  messageId: string,
  attachments: { filename: string; content: string | SpooledContent; content_type: string }[],
): Promise<AttachmentRef[]> {
  const refs: AttachmentRef[] = [];
  for (const a of attachments) {
    if (a.content instanceof SpooledContent) {
      // Already stored while the request streamed in: the message takes the file over.
      const id = new ObjectId(a.content.fileId);
      await store.files.updateOne(
        { _id: id },
        { $set: { 'metadata.message_id': messageId, 'metadata.content_type': a.content_type } },
      );
      a.content.adopted = true;
      refs.push({ filename: a.filename, content_type: a.content_type, size: a.content.size, gridfs_id: id });
      continue;
    }
    const bytes = Buffer.from(a.content, 'base64');
    const ref: AttachmentRef = { filename: a.filename, content_type: a.content_type, size: bytes.length };
    if (bytes.length <= INLINE_ATTACHMENT_LIMIT) {
      ref.inline = new Binary(bytes);
    } else {
      const id = new ObjectId();
      const upload = openUpload(store, id, a.filename, {
        message_id: messageId,
        content_type: a.content_type,
      });
      upload.stream.end(bytes);
      await upload.finished;
      ref.gridfs_id = id;
    }
    refs.push(ref);
  }
  return refs;
}

export async function deleteStoredAttachments(store: StoredFiles, refs: AttachmentRef[]): Promise<void> {
  for (const ref of refs) if (ref.gridfs_id) await deleteStoredFile(store, ref.gridfs_id);
}

export async function loadAttachments(store: StoredFiles, refs: AttachmentRef[]): Promise<Mail.Attachment[]> {
  return Promise.all(
    refs.map(async (ref) => ({
      filename: ref.filename,
      contentType: ref.content_type,
      content: ref.inline
        ? Buffer.from(ref.inline.buffer)
        : await readStoredFile(store, ref.gridfs_id as ObjectId),
    })),
  );
}
