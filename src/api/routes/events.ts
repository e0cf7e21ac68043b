import { pageOf } from '../../contracts/page';
import { ServiceError } from '../../contracts/serviceError';
import { eventPayloadSchema, listEventsQuerySchema } from '../../contracts/webhookSchemas';
import type { EventDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import { eventPayload } from '../../webhooks/payload';
import { type RouteSpec, route } from '../routeSpec';

const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;

async function withMessages(c: Collections, events: EventDoc[]) {
  const ids = [...new Set(events.map((e) => e.message_id))];
  const messages = await c.messages
    .find({ _id: { $in: ids } }, { projection: { recipient: 1, tags: 1, metadata: 1, headers: 1 } })
    .toArray();
  const byId = new Map(messages.map((m) => [m._id, m]));
  return events.map((e) => eventPayload(e, byId.get(e.message_id) ?? null));
}

function parseSequence(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new ServiceError('bad_request', `${field} must be an event sequence number.`, [
      { field, message: 'invalid' },
    ]);
  return Number(value);
}

/** Events in sequence order: a paginated log, and a live Server-Sent Events stream. */
export function eventRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/events',
      tag: 'Events',
      summary:
        'Events of the project in sequence order (oldest first); next_cursor continues after the last one',
      scope: 'read',
      query: listEventsQuerySchema,
      responses: {
        200: {
          description: 'One page',
          schema: pageOf(eventPayloadSchema),
        },
      },
      async handler({ query, auth }) {
        const after = Math.max(query.since ?? 0, parseSequence(query.cursor, 'query.cursor') ?? 0);
        const filter: Record<string, unknown> = { project_id: auth.projectId, seq: { $gt: after } };
        if (query.message_id) filter.message_id = query.message_id;
        if (query.type) filter.type = query.type;
        const events = await c.events
          .find(filter)
          .sort({ seq: 1 })
          .limit(query.limit + 1)
          .toArray();
        const hasMore = events.length > query.limit;
        const page = events.slice(0, query.limit);
        return {
          body: {
            data: await withMessages(c, page),
            has_more: hasMore,
            next_cursor: hasMore ? String(page[page.length - 1].seq) : null,
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/stream',
      tag: 'Events',
      summary: 'Live events as Server-Sent Events; reconnect with Last-Event-ID to resume without gaps',
      scope: 'read',
      responses: {
        200: { description: 'text/event-stream; each event: id = sequence, event = type, data = payload' },
      },
      async handler({ req, res, auth }) {
        let cursor =
          parseSequence(req.get('last-event-id'), 'Last-Event-ID') ??
          parseSequence(typeof req.query.since === 'string' ? req.query.since : undefined, 'query.since') ??
          (await c.events.find({ project_id: auth.projectId }).sort({ seq: -1 }).limit(1).next())?.seq ??
          0;
        res.status(200);
        res.setHeader('Content-Type', 'text/event-stream');
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Connection', 'keep-alive');
        res.flushHeaders();
        res.write('retry: 1000\n\n');
        let open = true;
        req.on('close', () => {
          open = false;
        });
        let lastWrite = Date.now();
        // Polling the sequence index keeps this working on MongoDB-wire servers without change streams.
        while (open) {
          const events = await c.events
            .find({ project_id: auth.projectId, seq: { $gt: cursor } })
            .sort({ seq: 1 })
            .limit(100)
            .toArray();
          for (const payload of await withMessages(c, events)) {
            res.write(
              `id: ${payload.sequence}\nevent: ${payload.event}\ndata: ${JSON.stringify(payload)}\n\n`,
            );
            cursor = payload.sequence;
            lastWrite = Date.now();
          }
          if (Date.now() - lastWrite > HEARTBEAT_MS) {
            res.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          if (events.length < 100) await new Promise((r) => setTimeout(r, POLL_MS));
        }
        res.end();
        return undefined;
      },
    }),
  ];
}
