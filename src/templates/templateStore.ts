import { ServiceError } from '../contracts/serviceError';
import type { TemplateDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { ownedRepository } from '../db/ownedRepository';
import { syntaxErrors } from './renderTemplate';

/** A template of the project, named by its id (`tpl_…`) or its name. */
export function findTemplate(
  c: Collections,
  projectId: string,
  idOrName: string,
): Promise<TemplateDoc | null> {
  return c.templates.findOne({
    project_id: projectId,
    ...(idOrName.startsWith('tpl_') ? { _id: idOrName } : { name: idOrName }),
  });
}

export function templateParts(t: TemplateDoc) {
  return { subject: t.subject, html: t.html, text: t.text };
}

/** Templates of a project; one answers to its id or its name. */
export function templateRepository(c: Collections) {
  return ownedRepository<TemplateDoc>(c.templates, {
    noun: 'template',
    sort: { name: 1 },
    find: (projectId, idOrName) => findTemplate(c, projectId, idOrName),
  });
}

/** Refuses parts that do not compile, naming each part. */
export function assertTemplateCompiles(parts: {
  subject?: string;
  html?: string | null;
  text?: string | null;
}): void {
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
