import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type AddressObject, type AttachmentStream, MailParser, type MessageText } from 'mailparser';
import { type GridFSBucket, ObjectId } from 'mongodb';
import { DIRECTIVE_HEADERS } from '../contracts/relayDirectives';
import { ServiceError } from '../contracts/serviceError';
import type { RawMimeRef } from '../db/documents';

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

/**
 * Streams the DATA of one submission into GridFS as it arrives (bounded memory at any size)
 * while parsing it once. The file is removed again when the message is too large, the client
 * goes away mid-DATA or anything fails, so only complete submissions stay.
 */
export async function receiveSubmission(
  bucket: GridFSBucket,
  data: NodeJS.ReadableStream & { sizeExceeded?: boolean },
  opts: { maxBytes: number; declared8Bit: boolean },
): Promise<ReceivedSubmission | 'too_large'> {
  const id = new ObjectId();
  const upload = bucket.openUploadStreamWithId(id, 'submission.eml', {
    metadata: { kind: 'relay-submission' },
  });
  const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  let size = 0;
  let eightBit = opts.declared8Bit;
  let tooLarge = false;
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
    parser.once('error', reject);
  });

  // Passes the bytes on to the file and, with back-pressure, to the parser; past the limit it
  // only counts, so an oversized message costs no storage (the server answers 552 itself).
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > opts.maxBytes) {
        tooLarge = true;
        return done();
      }
      if (!eightBit && chunk.some((b) => b > 0x7f)) eightBit = true;
      if (parser.write(chunk)) done(null, chunk);
      else parser.once('drain', () => done(null, chunk));
    },
    flush(done) {
      parser.end();
      done();
    },
  });
  parser.once('error', (err: Error) => {
    parseError = err;
    tee.destroy(err);
  });

  try {
    await pipeline(data, tee, upload);
    await parsed;
  } catch (err) {
    parser.destroy();
    await bucket.delete(id).catch(() => undefined);
    if (parseError)
      throw new ServiceError('validation_failed', `The message could not be parsed: ${parseError.message}`);
    throw err;
  }
  if (tooLarge || data.sizeExceeded) {
    await bucket.delete(id).catch(() => undefined);
    return 'too_large';
  }
  const messageId = headers.get('message-id');
  return {
    file: { gridfs_id: id, size, eight_bit: eightBit },
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
