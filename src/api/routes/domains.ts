import type { z } from 'zod';
import { createDomainSchema, domainViewSchema } from '../../contracts/domainSchemas';
import type { DomainDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import type { DnsResolver } from '../../senderDomains/dnsResolver';
import {
  dnsRecordsFor,
  domainRepository,
  newSenderDomain,
  verifySenderDomain,
} from '../../senderDomains/senderDomains';
import { resourceRoutes } from '../resourceRoutes';
import { type RouteSpec, route } from '../routeSpec';

function domainView(d: DomainDoc): z.infer<typeof domainViewSchema> {
  return {
    id: d._id,
    name: d.name,
    status: d.status,
    default_from_name: d.default_from_name ?? null,
    dkim_selector: d.dkim_selector,
    records: dnsRecordsFor(d),
    verified_at: d.verified_at?.toISOString() ?? null,
    last_check: d.last_check ? { ...d.last_check, at: d.last_check.at.toISOString() } : null,
    created_at: d.created_at.toISOString(),
  };
}

export function domainRoutes(c: Collections, resolver: DnsResolver): RouteSpec[] {
  const domains = domainRepository(c);
  return [
    ...resourceRoutes({
      name: 'Domain',
      path: '/v1/domains',
      tag: 'Domains',
      repository: domains,
      view: domainView,
      viewSchema: domainViewSchema,
      create: {
        summary: 'Add a sender domain; returns the DNS records (ownership TXT and DKIM key) to publish',
        body: createDomainSchema,
        build: (body, auth) => newSenderDomain(c, auth.projectId, body),
      },
      list: { summary: 'List sender domains' },
      get: { summary: 'A sender domain with its DNS records' },
      remove: { summary: 'Remove a sender domain (its DKIM key is deleted)' },
    }),
    route({
      method: 'post',
      path: '/v1/domains/:id/verify',
      operationId: 'verifyDomain',
      tag: 'Domains',
      summary: 'Look up the DNS records now; verified when both are published',
      scope: 'admin',
      responses: { 200: { description: 'The domain after the check', schema: domainViewSchema } },
      async handler({ params, auth }) {
        return { body: domainView(await verifySenderDomain(domains, resolver, auth.projectId, params.id)) };
      },
    }),
  ];
}
