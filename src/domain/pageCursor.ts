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

/** Mongo filter for "strictly after this position" in newest-first (created_at, _id) order. */
export function olderThan(field: string, pos: PagePosition): Record<string, unknown> {
  return { $or: [{ [field]: { $lt: pos.at } }, { [field]: pos.at, _id: { $lt: pos.id } }] };
}
