import type { MessageDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { deleteStoredFile } from '../db/storedFiles';

/** Deletes a message's GridFS files (large attachments, stored MIME); returns how many. */
export async function deleteMessageFiles(
  c: Collections,
  m: Pick<MessageDoc, 'attachments' | 'raw_mime'>,
): Promise<number> {
  let files = 0;
  for (const a of m.attachments ?? [])
    if (a.gridfs_id) {
      await deleteStoredFile(c.attachmentFiles, a.gridfs_id);
      files++;
    }
  if (m.raw_mime?.gridfs_id) {
    await deleteStoredFile(c.rawMessages, m.raw_mime.gridfs_id);
    files++;
  }
  return files;
}
