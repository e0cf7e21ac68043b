import type { z } from 'zod';
import { inboundPage } from '../../bounces/inboundReports';
import {
  inboundListSchema,
  type inboundReportSchema,
  listInboundQuerySchema,
} from '../../contracts/inboundSchemas';
import { pageBody } from '../../contracts/page';
import type { InboundReportDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import { type RouteSpec, route } from '../routeSpec';

function inboundView(d: InboundReportDoc): z.infer<typeof inboundReportSchema> {
  return {
    id: d._id,
    kind: d.kind,
    applied: d.applied ?? null,
    message_id: d.message_id ?? null,
    recipient: d.recipient ?? null,
    status_code: d.status_code ?? null,
    diagnostic: d.diagnostic ?? null,
    subject: d.subject ?? null,
    envelope_from: d.envelope_from,
    created_at: d.created_at.toISOString(),
  };
}

/** Bounce and complaint reports about the project's messages, as the inbound listener read them. */
export function inboundRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/inbound',
      operationId: 'listInboundReports',
      tag: 'Inbound',
      summary: 'Reports about this project’s messages received at the bounce domain, newest first',
      scope: 'read',
      query: listInboundQuerySchema,
      responses: { 200: { description: 'One page', schema: inboundListSchema } },
      async handler({ query, auth }) {
        const page = await inboundPage(c, auth.projectId, query);
        return { body: pageBody(page, inboundView) };
      },
    }),
  ];
}
