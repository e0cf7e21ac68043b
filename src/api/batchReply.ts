import { httpStatusOf, toServiceError } from './errors';

/** How many items of one batch request are accepted at once. */
const BATCH_CONCURRENCY = 16;

/** Runs fn over items with bounded concurrency, keeping results in input order. */
async function mapInOrder<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * A batch's answer: each item accepted (status 202 and its body, its own status as
 * `message_status`) or refused (its HTTP status and error), in request order.
 */
export function acceptEach<B extends { status: string }>(
  items: unknown[],
  accept: (item: unknown) => Promise<B>,
) {
  return mapInOrder(items, BATCH_CONCURRENCY, async (item) => {
    try {
      const body = await accept(item);
      return { ...body, status: 202, message_status: body.status };
    } catch (err) {
      const e = toServiceError(err);
      return {
        status: httpStatusOf(e),
        error: e.slug,
        message: e.message,
        ...(e.errors ? { errors: e.errors } : {}),
      };
    }
  });
}
