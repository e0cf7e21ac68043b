import Handlebars from 'handlebars';

export interface TemplateParts {
  subject: string;
  html?: string;
  text?: string;
}

export class TemplateRenderError extends Error {
  constructor(
    readonly part: keyof TemplateParts,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateRenderError';
  }
}

// Strict mode turns a missing variable into an error instead of an empty string: an OTP mail
// without its code must be refused at accept time, not delivered blank.
const STRICT = { strict: true } as const;

/** Compiles each part once to report syntax errors per part; null when all parts parse. */
export function syntaxErrors(
  parts: Partial<TemplateParts>,
): { part: keyof TemplateParts; message: string }[] {
  const errors: { part: keyof TemplateParts; message: string }[] = [];
  for (const part of ['subject', 'html', 'text'] as const) {
    const source = parts[part];
    if (source === undefined) continue;
    try {
      Handlebars.precompile(source, STRICT);
    } catch (err) {
      errors.push({ part, message: (err as Error).message.split('\n')[0] });
    }
  }
  return errors;
}

function renderPart(part: keyof TemplateParts, source: string, data: Record<string, unknown>): string {
  // HTML is escaped by default ({{{ }}} opts out); subject and text are not HTML.
  const template = Handlebars.compile(source, { ...STRICT, noEscape: part !== 'html' });
  try {
    return template(data);
  } catch (err) {
    throw new TemplateRenderError(part, `${part}: ${readableRenderError((err as Error).message)}`);
  }
}

/** Handlebars says `"code" not defined in [object Object] - 1:12`; users need name and place. */
function readableRenderError(message: string): string {
  const first = message.split('\n')[0];
  const missing = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/.exec(first);
  if (!missing) return first;
  const [, name, line, column] = missing;
  return `variable "${name}" is missing from template_data (line ${line}, column ${Number(column) + 1})`;
}

export function renderTemplate(parts: TemplateParts, data: Record<string, unknown>): TemplateParts {
  const rendered: TemplateParts = { subject: renderPart('subject', parts.subject, data) };
  if (parts.html !== undefined) rendered.html = renderPart('html', parts.html, data);
  if (parts.text !== undefined) rendered.text = renderPart('text', parts.text, data);
  if (/[\r\n]/.test(rendered.subject))
    throw new TemplateRenderError('subject', 'subject: rendered subject contains a line break');
  return rendered;
}
