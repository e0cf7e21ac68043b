import { z } from 'zod';
import { pageOf } from '../../contracts/page';
import { ServiceError } from '../../contracts/serviceError';
import { eventPayloadSchema, listEventsQuerySchema } from '../../contracts/webhookSchemas';
import type { Collections } from '../../db/mongo';
import { createEventFeed } from '../../events/eventFeed';
import { eventsAfter, latestSequence } from '../../events/eventQueries';
import { type RouteSpec, route } from '../routeSpec';

const HEARTBEAT_MS = 15_000;

function parseSequence(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new ServiceError('bad_request', `${field} must be an event sequence number.`, [
      { field, message: 'invalid' },
    ]);
  return Number(value);
}

/** Events in sequence order: a paginated log, and a live Server-Sent Events stream. */
export function eventRoutes(c: Collections, maxStreamsPerKey: number): RouteSpec[] {
  // Every live stream of a project in this process shares one poll of the event log.
  const feed = createEventFeed(c);
  // Open streams per key in this process: one client must not hold the API's sockets.
  const open = new Map<string, number>();
  return [
    route({
      method: 'get',
      path: '/v1/events',
      operationId: 'listEvents',
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
        const page = await eventsAfter(c, auth.projectId, after, {
          limit: query.limit,
          messageId: query.message_id,
          type: query.type,
        });
        return {
          body: {
            data: page.payloads,
            has_more: page.hasMore,
            next_cursor: page.hasMore ? String(page.lastSequence) : null,
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/stream',
      operationId: 'streamEvents',
      tag: 'Events',
      summary: 'Live events as Server-Sent Events; reconnect with Last-Event-ID to resume without gaps',
      scope: 'read',
      responses: {
        200: {
          description:
            'Server-Sent Events; each event: id = sequence, event = type, data = the event payload (JSON)',
          contentType: 'text/event-stream',
          schema: z.string(),
        },
      },
      async handler({ req, res, auth }) {
        const held = open.get(auth.keyId) ?? 0;
        if (held >= maxStreamsPerKey)
          throw new ServiceError(
            'too_many_requests',
            `This API key already holds ${held} open event streams (at most ${maxStreamsPerKey}); close one first.`,
          );
        // Counted before the first await, so concurrent requests cannot all slip under the cap.
        open.set(auth.keyId, held + 1);
        try {
          const cursor =
            parseSequence(req.get('last-event-id'), 'Last-Event-ID') ??
            parseSequence(typeof req.query.since === 'string' ? req.query.since : undefined, 'query.since') ??
            (await latestSequence(c, auth.projectId));
          res.status(200);
          res.setHeader('Content-Type', 'text/event-stream');
          res.setHeader('Cache-Control', 'no-cache');
          res.setHeader('Connection', 'keep-alive');
          res.flushHeaders();
          res.write('retry: 1000\n\n');
          const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
          const stop = feed.follow(auth.projectId, cursor, (events) => {
            for (const e of events)
              res.write(`id: ${e.sequence}\nevent: ${e.event}\ndata: ${JSON.stringify(e)}\n\n`);
          });
          await new Promise<void>((resolve) => req.on('close', () => resolve()));
          stop();
          clearInterval(heartbeat);
          res.end();
        } finally {
          const left = (open.get(auth.keyId) ?? 1) - 1;
          if (left > 0) open.set(auth.keyId, left);
          else open.delete(auth.keyId);
        }
        return undefined;
      },
    }),
  ];
}
