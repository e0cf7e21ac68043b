import { z } from 'zod';
import { SEMANTIC_CHECK } from './serviceError';

/** Opaque keyset cursor: the sort key of the last item of a page. */
export interface PagePosition {
  at: Date;
  id: string;
}

export function encodeCursor(pos: PagePosition): string {
  return Buffer.from(JSON.stringify([pos.at.getTime(), pos.id])).toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition | null {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ms !== 'number' || typeof id !== 'string' || !Number.isFinite(ms)) return null;
    return { at: new Date(ms), id };
  } catch {
    return null;
  }
}

/**
 * `limit` and `cursor` of every newest-first list, spread into its query schema. The cursor
 * arrives decoded: a malformed one is a 400 on `query.cursor`, a well-formed one this API never
 * issued a 422.
 */
export function pageQueryFields(defaultLimit = 25) {
  return {
    limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(200)
      .optional()
      .describe('next_cursor of the previous page')
      .transform((cursor, ctx) => {
        if (cursor === undefined) return undefined;
        const position = decodeCursor(cursor);
        if (!position) {
          ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued', ...SEMANTIC_CHECK });
          return z.NEVER;
        }
        return position;
      }),
  };
}

/** The envelope of every list answer. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** Shapes a page of documents as the list envelope, each item through its view. */
export function pageBody<D, V>(page: Page<D>, view: (doc: D) => V) {
  return { data: page.items.map(view), has_more: page.hasMore, next_cursor: page.nextCursor };
}
