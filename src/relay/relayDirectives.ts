import libmime from 'libmime';
import {
  DIRECTIVE_HEADERS,
  METADATA_HEADER_PREFIX,
  type RelayDirectives,
  relayDirectivesSchema,
} from '../contracts/relayDirectives';
import { ServiceError } from '../contracts/serviceError';
import { DIRECTIVE_PREFIX } from '../delivery/submittedMime';

/** Our own trace header on mail Sendflow delivered before; forwarded mail may carry it. */
const TRACE_HEADER = 'x-sendflow-message-id';

/** Header values as the client wrote them, with RFC 2047 encoded words decoded (clients encode JSON). */
function headerText(value: unknown): string {
  return libmime.decodeWords(typeof value === 'string' ? value : String(value ?? '')).trim();
}

function headerNameOf(field: string): string {
  const name =
    field === 'metadata'
      ? `${METADATA_HEADER_PREFIX}<key>`
      : (DIRECTIVE_HEADERS[field as keyof typeof DIRECTIVE_HEADERS] ?? field);
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

function invalid(header: string, message: string): ServiceError {
  return new ServiceError('validation_failed', `${header}: ${message}`, [{ field: header, message }]);
}

/**
 * The directives of a submission from its `X-Sendflow-*` headers (lower-cased names, as the
 * MIME parser gives them). An unknown or malformed directive is refused, not ignored: a typo
 * must not silently send mail without its template or tags.
 */
export function readDirectives(headers: Map<string, unknown>): RelayDirectives {
  const given: Record<string, unknown> = {};
  const metadata: Record<string, string> = {};
  const known = new Map(Object.entries(DIRECTIVE_HEADERS).map(([field, header]) => [header, field]));
  for (const [name, value] of headers) {
    if (!name.startsWith(DIRECTIVE_PREFIX) || name === TRACE_HEADER) continue;
    const text = headerText(value);
    if (name.startsWith(METADATA_HEADER_PREFIX)) {
      metadata[name.slice(METADATA_HEADER_PREFIX.length)] = text;
      continue;
    }
    const field = known.get(name as (typeof DIRECTIVE_HEADERS)[keyof typeof DIRECTIVE_HEADERS]);
    if (!field) throw invalid(headerNameOf(name), 'unknown Sendflow directive header');
    if (field === 'tags') {
      given.tags = text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
    } else if (field === 'template_data') {
      try {
        given.template_data = JSON.parse(text);
      } catch {
        throw invalid(headerNameOf(field), 'must be a JSON object');
      }
    } else {
      given[field] = text;
    }
  }
  if (Object.keys(metadata).length) given.metadata = metadata;
  const parsed = relayDirectivesSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(headerNameOf(String(issue.path[0] ?? '')), issue.message);
  }
  if (parsed.data.template_data && !parsed.data.template)
    throw invalid(headerNameOf('template_data'), 'only allowed together with X-Sendflow-Template');
  return parsed.data;
}
