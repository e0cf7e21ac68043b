import type { TemplateDoc } from '../db/documents';
import type { Collections } from '../db/mongo';

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
