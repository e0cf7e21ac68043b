import Handlebars from 'handlebars';

/**
 * One recipient's copy of content written with `{{field}}` placeholders. Lenient, unlike stored
 * templates: a field one recipient lacks renders empty, as the team REST dialect does. HTML
 * escapes the values it inserts.
 */
export function personalise(
  content: { subject: string; html: string; text?: string },
  fields: Record<string, unknown>,
): { subject: string; html: string; text?: string } {
  const render = (source: string, html: boolean) => Handlebars.compile(source, { noEscape: !html })(fields);
  return {
    subject: render(content.subject, false),
    html: render(content.html, true),
    ...(content.text !== undefined ? { text: render(content.text, false) } : {}),
  };
}
