import type { MessageDoc, RouteDoc } from '../db/documents';
import { PermanentDeliveryError } from './permanentFailure';

export interface SmtpRoute {
  name: string;
  url: string;
  tls: RouteDoc['tls'];
  poolSize: number;
}

export const DEFAULT_ROUTE_NAME = 'default';

function matches(
  route: RouteDoc,
  m: Pick<MessageDoc, 'recipient_domain' | 'message_type' | 'priority'>,
): boolean {
  const { recipient_domains, message_types, priorities } = route.match;
  if (recipient_domains?.length && !recipient_domains.includes(m.recipient_domain)) return false;
  if (message_types?.length && !message_types.includes(m.message_type)) return false;
  if (priorities?.length && !priorities.includes(m.priority)) return false;
  return true;
}

/** Routes to try for a message, in order: matching named routes by position, then SMTP_URL. */
export function routesFor(
  routes: RouteDoc[],
  message: Pick<MessageDoc, 'recipient_domain' | 'message_type' | 'priority'>,
  defaultUrl: string,
): SmtpRoute[] {
  const chosen = routes
    .filter((r) => matches(r, message))
    .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
    .map((r) => ({ name: r.name, url: r.url, tls: r.tls, poolSize: r.pool_size }));
  return [...chosen, { name: DEFAULT_ROUTE_NAME, url: defaultUrl, tls: 'opportunistic', poolSize: 5 }];
}

export function maskCredentials(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** A route whose URL is no SMTP URL can never deliver: a configuration error, not a deferral. */
export function assertUsableRoute(route: SmtpRoute): void {
  let protocol: string;
  try {
    protocol = new URL(route.url).protocol;
  } catch {
    throw new PermanentDeliveryError('route_misconfigured', `route "${route.name}" has an invalid URL`);
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:')
    throw new PermanentDeliveryError(
      'route_misconfigured',
      `route "${route.name}" uses ${protocol} instead of smtp: or smtps:`,
    );
}
