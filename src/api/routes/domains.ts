import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createDomainSchema, domainViewSchema } from '../../contracts/domainSchemas';
import { ServiceError } from '../../contracts/serviceError';
import type { DomainDoc } from '../../db/documents';
import { isDuplicateKeyError } from '../../db/duplicateKey';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import type { DnsResolver } from '../../senderDomains/dnsResolver';
import { checkDomainDns, dnsRecordsFor, generateDkimKeys } from '../../senderDomains/senderDomains';
import { deletedSchema, findOwned } from '../ownedResource';
import { type RouteSpec, route } from '../routeSpec';

function domainView(d: DomainDoc) {
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
  return [
    route({
      method: 'post',
      path: '/v1/domains',
      tag: 'Domains',
      summary: 'Add a sender domain; returns the DNS records (ownership TXT and DKIM key) to publish',
      scope: 'admin',
      body: createDomainSchema,
      responses: { 201: { description: 'Created, pending verification', schema: domainViewSchema } },
      async handler({ body, auth }) {
        const keys = await generateDkimKeys();
        const doc: DomainDoc = {
          _id: newId('dom'),
          project_id: auth.projectId,
          name: body.name,
          verification_token: randomBytes(16).toString('hex'),
          dkim_selector: `sf${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`,
          dkim_private_key: keys.privateKey,
          dkim_public_key: keys.publicKey,
          status: 'pending',
          created_at: new Date(),
        };
        if (body.default_from_name) doc.default_from_name = body.default_from_name;
        try {
          await c.domains.insertOne(doc);
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          throw new ServiceError('validation_failed', `${body.name} is already added.`, [
            { field: 'name', message: 'already exists' },
          ]);
        }
        return { status: 201, body: domainView(doc) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/domains',
      tag: 'Domains',
      summary: 'List sender domains',
      scope: 'read',
      responses: { 200: { description: 'Domains', schema: z.object({ data: z.array(domainViewSchema) }) } },
      async handler({ auth }) {
        const all = await c.domains.find({ project_id: auth.projectId }).sort({ name: 1 }).toArray();
        return { body: { data: all.map(domainView) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/domains/:id',
      tag: 'Domains',
      summary: 'A sender domain with its DNS records',
      scope: 'read',
      responses: { 200: { description: 'The domain', schema: domainViewSchema } },
      async handler({ params, auth }) {
        return { body: domainView(await findOwned(c.domains, auth.projectId, params.id, 'domain')) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/domains/:id/verify',
      tag: 'Domains',
      summary: 'Look up the DNS records now; verified when both are published',
      scope: 'admin',
      responses: { 200: { description: 'The domain after the check', schema: domainViewSchema } },
      async handler({ params, auth }) {
        const d = await findOwned(c.domains, auth.projectId, params.id, 'domain');
        const now = new Date();
        let check: NonNullable<DomainDoc['last_check']>;
        try {
          check = { at: now, ...(await checkDomainDns(resolver, d)) };
        } catch (err) {
          check = {
            at: now,
            verification_txt: false,
            dkim_txt: false,
            error: `DNS lookup failed: ${(err as Error).message}`,
          };
        }
        const set: Partial<DomainDoc> = { last_check: check };
        if (check.verification_txt && check.dkim_txt && d.status !== 'verified') {
          set.status = 'verified';
          set.verified_at = now;
        }
        const updated = await c.domains.findOneAndUpdate(
          { _id: d._id },
          { $set: set },
          { returnDocument: 'after' },
        );
        return { body: domainView(updated as DomainDoc) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/domains/:id',
      tag: 'Domains',
      summary: 'Remove a sender domain (its DKIM key is deleted)',
      scope: 'admin',
      responses: {
        200: { description: 'Deleted', schema: deletedSchema },
      },
      async handler({ params, auth }) {
        const d = await findOwned(c.domains, auth.projectId, params.id, 'domain');
        await c.domains.deleteOne({ _id: d._id });
        return { body: { id: d._id, deleted: true } };
      },
    }),
  ];
}
