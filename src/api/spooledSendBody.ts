import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import Parser from 'stream-json/Parser';
import { ServiceError } from '../contracts/serviceError';
import { SpooledContent } from '../contracts/spooledContent';
import { discardSpooled, INLINE_ATTACHMENT_LIMIT, openSpool, type Spool } from '../db/attachmentStore';
import type { StoredFiles } from '../db/storedFiles';

/** Base64 text beyond which an attachment is streamed into storage instead of kept in memory. */
const SPOOL_AFTER_CHARS = Math.ceil((INLINE_ATTACHMENT_LIMIT * 4) / 3);
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

type Container = Record<string, unknown> | unknown[];
interface Frame {
  container: Container;
  /** The key whose value comes next, in an object. */
  key?: string;
}

const invalidContent = (index: number) =>
  new ServiceError('bad_request', 'The request is invalid; see errors for each field.', [
    { field: `attachments.${index}.content`, message: 'must be base64 of at least one byte' },
  ]);

/**
 * Decodes base64 text chunk by chunk into a spool, checking it as it goes: whole quantums,
 * padding only at the very end. Holds at most three characters between chunks.
 */
class SpoolingContent {
  private carry = '';
  private padded = false;
  private readonly hash = createHash('sha256');
  private spool?: Spool;
  private buffered: string[] = [];
  private bufferedChars = 0;
  valid = true;

  constructor(
    private readonly open: () => Spool,
    readonly index: number,
  ) {}

  /** Returns a spool to wait on for `drain`, when it asks the parser to pause. */
  push(text: string): Spool | undefined {
    if (!this.valid) return undefined;
    const compact = text.replace(/\s+/g, '');
    if (this.spool) return this.decode(compact);
    this.buffered.push(compact);
    this.bufferedChars += compact.length;
    if (this.bufferedChars <= SPOOL_AFTER_CHARS) return undefined;
    this.spool = this.open();
    const held = this.buffered.join('');
    this.buffered = [];
    return this.decode(held);
  }

  /** The whole string when it stayed small, else the spooled file (or null when invalid). */
  async end(): Promise<string | SpooledContent | null> {
    if (!this.spool) return this.buffered.join('');
    if (this.valid && this.carry.length > 0) this.valid = false;
    const { fileId, size } = await this.spool.finish();
    const content = new SpooledContent(fileId, size, this.hash.digest('hex'));
    if (!this.valid || size === 0) {
      await this.spool.abort();
      return null;
    }
    return content;
  }

  async abort(): Promise<void> {
    await this.spool?.abort();
  }

  private decode(compact: string): Spool | undefined {
    if (NOT_BASE64.test(compact) || (this.padded && compact.length > 0)) {
      this.valid = false;
      return undefined;
    }
    this.hash.update(compact);
    const text = this.carry + compact;
    const pad = text.indexOf('=');
    if (pad >= 0) {
      // Padding ends the data: `xx==` or `xxx=` as the last quantum, nothing after it.
      const tail = text.slice(pad);
      if (!/^={1,2}$/.test(tail) || text.length % 4 !== 0 || (tail.length === 2 && text[pad - 1] === '=')) {
        this.valid = false;
        return undefined;
      }
      this.padded = true;
    }
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    const spool = this.spool as Spool;
    return spool.write(Buffer.from(text.slice(0, whole), 'base64')) ? undefined : spool;
  }
}

/** Where the next value lands: `attachments[i].content` of the root object is spooled. */
function attachmentIndexAt(stack: Frame[]): number | undefined {
  if (stack.length !== 3) return undefined;
  const [root, list, item] = stack;
  if (root.key !== 'attachments' || !Array.isArray(list.container) || item.key !== 'content')
    return undefined;
  return list.container.length - 1;
}

function place(stack: Frame[], value: unknown): unknown {
  const top = stack[stack.length - 1];
  if (!top) return value;
  if (Array.isArray(top.container)) top.container.push(value);
  else top.container[top.key as string] = value;
  return undefined;
}

/**
 * Body parser of `POST /v1/messages` that streams large attachments into storage as they
 * arrive (decoded, checked, hashed) so a 50 MB send never sits in memory as text, string and
 * bytes at once. Everything else is assembled as usual. Files no stored message adopts are
 * deleted once the response is sent.
 */
export function spoolLargeAttachments(store: StoredFiles, limitBytes: number): RequestHandler {
  return (req, res, next) => {
    if (!req.is('application/json')) {
      next();
      return;
    }
    const spooled: SpooledContent[] = [];
    const open: SpoolingContent[] = [];
    res.once('close', () => {
      for (const s of spooled) if (!s.adopted) discardSpooled(store, s).catch(() => undefined);
    });
    readBody(req, store, limitBytes, spooled, open).then(
      (body) => {
        (req as Request & { _body?: boolean })._body = true;
        req.body = body;
        next();
      },
      async (err) => {
        await Promise.all(open.map((o) => o.abort()));
        // A body refused half-way may still be arriving: never reuse this connection.
        res.setHeader('Connection', 'close');
        next(err);
      },
    );
  };
}

function readBody(
  req: Request,
  store: StoredFiles,
  limitBytes: number,
  spooled: SpooledContent[],
  open: SpoolingContent[],
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parser = new Parser({ packKeys: true, packNumbers: true, packStrings: false, streamStrings: true });
    const stack: Frame[] = [];
    let root: unknown;
    let text: string[] | undefined;
    let content: SpoolingContent | undefined;
    const finishing: Promise<void>[] = [];
    let received = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      parser.destroy();
      // The rest of the body is read and dropped, so the answer reaches the client.
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes)
        fail(new ServiceError('payload_too_large', 'The request body exceeds the 50 MB limit.'));
    });
    req.once('aborted', () => fail(new ServiceError('bad_request', 'The request body was cut off.')));
    const value = (v: unknown) => {
      const whole = place(stack, v);
      if (stack.length === 0) root = whole;
    };
    parser.on('data', (token: { name: string; value?: unknown }) => {
      switch (token.name) {
        case 'startObject':
        case 'startArray': {
          const container: Container = token.name === 'startObject' ? {} : [];
          value(container);
          stack.push({ container });
          break;
        }
        case 'endObject':
        case 'endArray':
          stack.pop();
          break;
        case 'keyValue':
          stack[stack.length - 1].key = token.value as string;
          break;
        case 'startString': {
          const index = attachmentIndexAt(stack);
          if (index !== undefined) {
            const opened = () => {
              const spool = openSpool(store, `spool-${index}`);
              spool.once('error', (err) => fail(err));
              return spool;
            };
            content = new SpoolingContent(opened, index);
            open.push(content);
          } else text = [];
          break;
        }
        case 'stringChunk':
          if (content) {
            const busy = content.push(token.value as string);
            if (busy) {
              parser.pause();
              busy.once('drain', () => parser.resume());
            }
          } else text?.push(token.value as string);
          break;
        case 'endString':
          if (content) {
            const c = content;
            content = undefined;
            // Placed now, filled in when its file is complete: keys keep their order.
            const list = stack[1].container as Record<string, unknown>[];
            const item = list[c.index];
            const filled = c.end().then((done) => {
              if (done === null) throw invalidContent(c.index);
              if (done instanceof SpooledContent) spooled.push(done);
              item.content = done;
            });
            // Awaited at the end of the body; a failure before then must not go unhandled.
            filled.catch(() => undefined);
            finishing.push(filled);
            place(stack, null);
          } else {
            value((text ?? []).join(''));
            text = undefined;
          }
          break;
        case 'numberValue':
          value(Number(token.value));
          break;
        case 'trueValue':
          value(true);
          break;
        case 'falseValue':
          value(false);
          break;
        case 'nullValue':
          value(null);
          break;
      }
    });
    parser.once('error', () => fail(new ServiceError('bad_request', 'The request body is not valid JSON.')));
    parser.once('end', () => {
      Promise.all(finishing).then(() => {
        if (!failed) resolve(root);
      }, fail);
    });
    req.pipe(parser);
  });
}
