import { type AddressObject, type AttachmentStream, MailParser, type MessageText } from 'mailparser';
import { Binary, ObjectId } from 'mongodb';
import { DIRECTIVE_HEADERS } from '../contracts/relayDirectives';
import { ServiceError } from '../contracts/serviceError';
import { INLINE_ATTACHMENT_LIMIT } from '../db/attachmentStore';
import type { RawMimeRef } from '../db/documents';
import { deleteStoredFile, openUpload, type StoredFiles, type Upload } from '../db/storedFiles';

export interface SubmittedAttachment {
  filename: string;
  content_type: string;
  size: number;
  /** Kept only when a template replaces the body: its message is composed, not relayed. */
  content?: Buffer;
}

/** A message received over SMTP: stored as submitted, and what its headers and parts say. */
export interface ReceivedSubmission {
  file: RawMimeRef;
  /** Lower-cased header names; structured headers as mailparser parses them. */
  headers: Map<string, unknown>;
  from: { address: string; name?: string }[];
  replyTo?: string;
  subject: string;
  messageIdHeader?: string;
  text?: string;
  html?: string;
  attachments: SubmittedAttachment[];
}

function addressesOf(value: unknown): { address: string; name?: string }[] {
  const objects = (Array.isArray(value) ? value : value ? [value] : []) as AddressObject[];
  return objects.flatMap((o) =>
    o.value.flatMap((a) => (a.address ? [{ address: a.address, ...(a.name ? { name: a.name } : {}) }] : [])),
  );
}

function written(stream: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.write(chunk, (err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

/**
 * Reads the DATA of one submission, parsing it once as it arrives. Up to 256 KB it stays in
 * memory (the message documents hold it); past that it streams into GridFS, so memory stays
 * bounded at any size. The file is removed again when the message is too large, the client goes
 * away mid-DATA or anything fails: only complete submissions stay.
 */
export async function receiveSubmission(
  store: StoredFiles,
  data: AsyncIterable<Buffer> & { sizeExceeded?: boolean },
  opts: { maxBytes: number; declared8Bit: boolean },
): Promise<ReceivedSubmission | 'too_large'> {
  const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  let size = 0;
  let eightBit = opts.declared8Bit;
  let keepContent = false;
  let headers = new Map<string, unknown>();
  const attachments: SubmittedAttachment[] = [];
  let text: MessageText | undefined;

  parser.on('headers', (h: Map<string, unknown>) => {
    headers = h;
    keepContent = h.has(DIRECTIVE_HEADERS.template);
  });
  parser.on('data', (part: AttachmentStream | MessageText) => {
    if (part.type === 'text') {
      text = part;
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    part.content.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (keepContent) chunks.push(chunk);
    });
    part.content.on('end', () => {
      attachments.push({
        filename: part.filename ?? 'attachment',
        content_type: part.contentType,
        size: bytes,
        ...(keepContent ? { content: Buffer.concat(chunks) } : {}),
      });
      part.release?.();
    });
  });
  let parseError: Error | undefined;
  const parsed = new Promise<void>((resolve, reject) => {
    parser.once('end', resolve);
    parser.once('error', (err: Error) => {
      parseError = err;
      reject(err);
    });
  });
  parsed.catch(() => undefined);

  let head: Buffer[] = [];
  let upload: Upload | undefined;
  const fileId = new ObjectId();
  const take = async (chunk: Buffer) => {
    if (!eightBit && chunk.some((b) => b > 0x7f)) eightBit = true;
    if (parseError) throw parseError;
    await written(parser, chunk);
    if (!upload && size <= INLINE_ATTACHMENT_LIMIT) {
      head.push(chunk);
    } else if (!upload) {
      upload = openUpload(store, fileId, 'submission.eml', { kind: 'relay-submission' });
      await written(upload.stream, Buffer.concat([...head, chunk]));
      head = [];
    } else {
      await written(upload.stream, chunk);
    }
  };
  try {
    // The message is read to its end whatever happens: stopping early would leave its remaining
    // lines to be read as SMTP commands. Past the limit or after a failure, it is only counted.
    let failure: unknown;
    for await (const chunk of data) {
      size += chunk.length;
      if (failure !== undefined || size > opts.maxBytes) continue;
      await take(chunk).catch((err: unknown) => {
        failure = err;
      });
    }
    if (failure !== undefined) throw failure;
    if (size > opts.maxBytes || data.sizeExceeded) {
      parser.destroy();
      if (upload) await deleteStoredFile(store, fileId);
      return 'too_large';
    }
    parser.end();
    await parsed;
    if (upload) {
      upload.stream.end();
      await upload.finished;
    }
  } catch (err) {
    parser.destroy();
    if (upload) await deleteStoredFile(store, fileId);
    if (parseError)
      throw new ServiceError('validation_failed', `The message could not be parsed: ${parseError.message}`);
    throw err;
  }
  const messageId = headers.get('message-id');
  const file: RawMimeRef = upload
    ? { gridfs_id: fileId, size, eight_bit: eightBit }
    : { inline: new Binary(Buffer.concat(head)), size, eight_bit: eightBit };
  return {
    file,
    headers,
    from: addressesOf(headers.get('from')),
    replyTo: addressesOf(headers.get('reply-to'))[0]?.address,
    subject: typeof headers.get('subject') === 'string' ? (headers.get('subject') as string) : '',
    messageIdHeader: typeof messageId === 'string' && messageId.trim() ? messageId.trim() : undefined,
    text: typeof text?.text === 'string' ? text.text : undefined,
    html: typeof text?.html === 'string' ? text.html : undefined,
    attachments,
  };
}
