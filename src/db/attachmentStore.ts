import { Binary, ObjectId } from 'mongodb';
import type Mail from 'nodemailer/lib/mailer';
import { deleteStoredFile, readStoredFile, type StoredFiles } from './storedFiles';

/** Attachments up to this size live inside the message document; larger ones in GridFS. */
export const INLINE_ATTACHMENT_LIMIT = 256 * 1024;

export interface AttachmentRef {
  filename: string;
  content_type: string;
  size: number;
  inline?: Binary;
  gridfs_id?: ObjectId;
}

export async function storeAttachments(
  store: StoredFiles,
  messageId: string,
  attachments: { filename: string; content: string; content_type: string }[],
): Promise<AttachmentRef[]> {
  const refs: AttachmentRef[] = [];
  for (const a of attachments) {
    const bytes = Buffer.from(a.content, 'base64');
    const ref: AttachmentRef = { filename: a.filename, content_type: a.content_type, size: bytes.length };
    if (bytes.length <= INLINE_ATTACHMENT_LIMIT) {
      ref.inline = new Binary(bytes);
    } else {
      const id = new ObjectId();
      await new Promise<void>((resolve, reject) => {
        store.bucket
          .openUploadStreamWithId(id, a.filename, {
            metadata: { message_id: messageId, content_type: a.content_type },
          })
          .once('finish', () => resolve())
          .once('error', reject)
          .end(bytes);
      });
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
