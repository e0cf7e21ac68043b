import { z } from 'zod';
import { ServiceError } from '../../contracts/serviceError';
import {
  createTemplateSchema,
  renderedTemplateSchema,
  renderTemplateSchema,
  templateViewSchema,
  updateTemplateSchema,
} from '../../contracts/templateSchemas';
import type { TemplateDoc } from '../../db/documents';
import { isDuplicateKeyError } from '../../db/duplicateKey';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import { renderTemplate, syntaxErrors, TemplateRenderError } from '../../templates/renderTemplate';
import { findTemplate, templateParts } from '../../templates/templateStore';
import { deletedSchema } from '../ownedResource';
import { type RouteSpec, route } from '../routeSpec';

function templateView(t: TemplateDoc) {
  return {
    id: t._id,
    name: t.name,
    description: t.description ?? null,
    subject: t.subject,
    html: t.html ?? null,
    text: t.text ?? null,
    version: t.version,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
  };
}

function assertCompiles(parts: { subject?: string; html?: string | null; text?: string | null }): void {
  const errors = syntaxErrors({
    subject: parts.subject,
    html: parts.html ?? undefined,
    text: parts.text ?? undefined,
  });
  if (errors.length) {
    throw new ServiceError(
      'bad_request',
      'The template does not compile.',
      errors.map((e) => ({ field: e.part, message: e.message })),
    );
  }
}

async function ownTemplate(c: Collections, projectId: string, idOrName: string): Promise<TemplateDoc> {
  const t = await findTemplate(c, projectId, idOrName);
  if (!t) throw new ServiceError('not_found', `No template ${idOrName}.`);
  return t;
}

export function templateRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/templates',
      tag: 'Templates',
      summary: 'Create a Handlebars template (subject, html, text)',
      scope: 'admin',
      body: createTemplateSchema,
      responses: { 201: { description: 'Created', schema: templateViewSchema } },
      async handler({ body, auth }) {
        assertCompiles(body);
        const now = new Date();
        const doc: TemplateDoc = {
          _id: newId('tpl'),
          project_id: auth.projectId,
          ...body,
          version: 1,
          created_at: now,
          updated_at: now,
        };
        try {
          await c.templates.insertOne(doc);
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          throw new ServiceError('validation_failed', `A template named ${body.name} already exists.`, [
            { field: 'name', message: 'already exists' },
          ]);
        }
        return { status: 201, body: templateView(doc) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/templates',
      tag: 'Templates',
      summary: 'List templates',
      scope: 'read',
      responses: {
        200: { description: 'Templates', schema: z.object({ data: z.array(templateViewSchema) }) },
      },
      async handler({ auth }) {
        const all = await c.templates.find({ project_id: auth.projectId }).sort({ name: 1 }).toArray();
        return { body: { data: all.map(templateView) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/templates/:id',
      tag: 'Templates',
      summary: 'A template by id or name',
      scope: 'read',
      responses: { 200: { description: 'The template', schema: templateViewSchema } },
      async handler({ params, auth }) {
        return { body: templateView(await ownTemplate(c, auth.projectId, params.id)) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/templates/:id',
      tag: 'Templates',
      summary: 'Replace the parts of a template; messages already accepted keep their rendered content',
      scope: 'admin',
      body: updateTemplateSchema,
      responses: { 200: { description: 'Updated', schema: templateViewSchema } },
      async handler({ params, body, auth }) {
        const current = await ownTemplate(c, auth.projectId, params.id);
        const next = {
          subject: body.subject,
          html: body.html === undefined ? current.html : (body.html ?? undefined),
          text: body.text === undefined ? current.text : (body.text ?? undefined),
        };
        if (next.html === undefined && next.text === undefined) {
          throw new ServiceError('bad_request', 'A template needs html or text.', [
            { field: 'html', message: 'html or text is required' },
          ]);
        }
        assertCompiles(next);
        const set: Partial<TemplateDoc> = { subject: next.subject, updated_at: new Date() };
        if (body.description !== undefined) set.description = body.description;
        const unset: Record<string, ''> = {};
        for (const part of ['html', 'text'] as const) {
          if (next[part] === undefined) unset[part] = '';
          else set[part] = next[part];
        }
        const updated = await c.templates.findOneAndUpdate(
          { _id: current._id, project_id: auth.projectId },
          { $set: set, $inc: { version: 1 }, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
          { returnDocument: 'after' },
        );
        if (!updated) throw new ServiceError('not_found', `No template ${params.id}.`);
        return { body: templateView(updated) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/templates/:id',
      tag: 'Templates',
      summary: 'Delete a template',
      scope: 'admin',
      responses: {
        200: { description: 'Deleted', schema: deletedSchema },
      },
      async handler({ params, auth }) {
        const t = await ownTemplate(c, auth.projectId, params.id);
        await c.templates.deleteOne({ _id: t._id, project_id: auth.projectId });
        return { body: { id: t._id, deleted: true } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/templates/:id/render',
      tag: 'Templates',
      summary: 'Preview a template with data; 422 template_render_failed when a variable is missing',
      scope: 'read',
      body: renderTemplateSchema,
      responses: { 200: { description: 'Rendered parts', schema: renderedTemplateSchema } },
      async handler({ params, body, auth }) {
        const t = await ownTemplate(c, auth.projectId, params.id);
        try {
          const out = renderTemplate(templateParts(t), body.template_data);
          return { body: { subject: out.subject, html: out.html ?? null, text: out.text ?? null } };
        } catch (err) {
          if (!(err instanceof TemplateRenderError)) throw err;
          throw new ServiceError('template_render_failed', err.message, [
            { field: `template.${err.part}`, message: err.message },
          ]);
        }
      },
    }),
  ];
}
