import type { z } from 'zod';
import { ServiceError } from '../../contracts/serviceError';
import {
  createTemplateSchema,
  renderedTemplateSchema,
  renderTemplateSchema,
  templateViewSchema,
  updateTemplateSchema,
} from '../../contracts/templateSchemas';
import type { TemplateDoc } from '../../db/documents';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import { renderTemplate, TemplateRenderError } from '../../templates/renderTemplate';
import { assertTemplateCompiles, templateParts, templateRepository } from '../../templates/templateStore';
import { resourceRoutes } from '../resourceRoutes';
import { type RouteSpec, route } from '../routeSpec';

function templateView(t: TemplateDoc): z.infer<typeof templateViewSchema> {
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

export function templateRoutes(c: Collections): RouteSpec[] {
  const templates = templateRepository(c);
  return [
    ...resourceRoutes({
      name: 'Template',
      path: '/v1/templates',
      tag: 'Templates',
      repository: templates,
      view: templateView,
      viewSchema: templateViewSchema,
      create: {
        summary: 'Create a Handlebars template (subject, html, text)',
        body: createTemplateSchema,
        build: (body, auth): TemplateDoc => {
          assertTemplateCompiles(body);
          const now = new Date();
          return {
            _id: newId('tpl'),
            project_id: auth.projectId,
            ...body,
            version: 1,
            created_at: now,
            updated_at: now,
          };
        },
      },
      list: { summary: 'List templates' },
      get: { summary: 'A template by id or name' },
      update: {
        method: 'put',
        summary: 'Replace the parts of a template; messages already accepted keep their rendered content',
        body: updateTemplateSchema,
        change: (body, current) => {
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
          assertTemplateCompiles(next);
          const set: Partial<TemplateDoc> = { subject: next.subject, updated_at: new Date() };
          if (body.description !== undefined) set.description = body.description;
          const unset: Record<string, ''> = {};
          for (const part of ['html', 'text'] as const) {
            if (next[part] === undefined) unset[part] = '';
            else set[part] = next[part];
          }
          return { $set: set, $inc: { version: 1 }, ...(Object.keys(unset).length ? { $unset: unset } : {}) };
        },
      },
      remove: { summary: 'Delete a template' },
    }),
    route({
      method: 'post',
      path: '/v1/templates/:id/render',
      operationId: 'renderTemplate',
      tag: 'Templates',
      summary: 'Preview a template with data; 422 template_render_failed when a variable is missing',
      scope: 'read',
      body: renderTemplateSchema,
      responses: { 200: { description: 'Rendered parts', schema: renderedTemplateSchema } },
      async handler({ params, body, auth }) {
        const t = await templates.get(auth.projectId, params.id);
        if (body.draft) assertTemplateCompiles(body.draft);
        try {
          const out = renderTemplate(body.draft ?? templateParts(t), body.template_data);
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
