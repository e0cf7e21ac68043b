import net from 'node:net';
import { ServiceError } from '../contracts/serviceError';
import type { MessageDoc, RouteDoc } from '../db/documents';
import { isPrivateAddress } from '../network/addressGuard';
import { PermanentDeliveryError } from './permanentFailure';

/** IP pool name → the local addresses it sends from (SENDFLOW_IP_POOLS). */
export type IpPools = Record<string, string[]>;

/** A relay (smarthost at `url`) or direct delivery to the recipient domain's MX hosts. */
export type SmtpRoute = {
  name: string;
  tls: RouteDoc['tls'];
  poolSize: number;
  /** Local source addresses to send from (the route's IP pool); the system's choice if absent. */
  localAddresses?: string[];
} & (
  | {
      kind: 'relay';
      url: string;
      /** A project's own route: its host is checked against internal addresses at every connection. */
      guarded?: boolean;
    }
  | { kind: 'mx' }
);

export const DEFAULT_ROUTE_NAME = 'default';

/** A stored route with its relay URL opened (the URL is sealed at rest when a key is set). */
export type OpenedRoute = Omit<RouteDoc, 'url'> & { url?: string };

function matches(
  route: OpenedRoute,
  m: Pick<MessageDoc, 'recipient_domain' | 'message_type' | 'priority'>,
): boolean {
  const { recipient_domains, message_types, priorities } = route.match;
  if (recipient_domains?.length && !recipient_domains.includes(m.recipient_domain)) return false;
  if (message_types?.length && !message_types.includes(m.message_type)) return false;
  if (priorities?.length && !priorities.includes(m.priority)) return false;
  return true;
}

function poolAddresses(pools: IpPools, pool: string | undefined, owner: string): string[] | undefined {
  if (!pool) return undefined;
  const addresses = pools[pool];
  if (!addresses)
    throw new PermanentDeliveryError('route_misconfigured', `${owner} names unknown IP pool ${pool}`);
  return addresses;
}

function routeOf(r: OpenedRoute, pools: IpPools, projectPool: string | undefined): SmtpRoute {
  const localAddresses = r.ip_pool
    ? poolAddresses(pools, r.ip_pool, `route "${r.name}"`)
    : poolAddresses(pools, projectPool, 'the delivery policy');
  const common = { name: r.name, tls: r.tls, poolSize: r.pool_size, localAddresses };
  // A stored relay without a URL is caught by assertUsableRoute at send time.
  return r.type === 'mx'
    ? { ...common, kind: 'mx' }
    : { ...common, kind: 'relay', url: r.url ?? '', guarded: true };
}

/**
 * Routes to try for a message, in order: matching named routes by position, then the default
 * route (`mx`, or a relay URL: SENDFLOW_DEFAULT_ROUTE, else SMTP_URL). A route sends from its
 * own IP pool, else from the project's (delivery policy), else from the system's choice.
 */
export function routesFor(
  routes: OpenedRoute[],
  message: Pick<MessageDoc, 'recipient_domain' | 'message_type' | 'priority' | 'route_override'>,
  defaultRoute: string,
  pools: IpPools = {},
  projectPool?: string,
): SmtpRoute[] {
  // An operator's reroute picks the route by name, whatever its match rules say.
  const override = message.route_override;
  const chosen = routes
    .filter((r) => (override ? r.name === override : matches(r, message)))
    .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
    .map((r) => routeOf(r, pools, projectPool));
  const common = {
    name: DEFAULT_ROUTE_NAME,
    tls: 'opportunistic' as const,
    poolSize: 5,
    localAddresses: poolAddresses(pools, projectPool, 'the delivery policy'),
  };
  const fallback: SmtpRoute =
    defaultRoute === 'mx' ? { ...common, kind: 'mx' } : { ...common, kind: 'relay', url: defaultRoute };
  return [...chosen, fallback];
}

/**
 * Refuses a relay URL whose host is an internal address written out (or `localhost`): projects
 * must not reach the operator's own ports. Names are resolved and checked at every connection.
 */
export function assertNotInternalTarget(url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return;
  }
  const internal = net.isIP(host)
    ? isPrivateAddress(host)
    : host === 'localhost' || host.endsWith('.localhost');
  if (internal)
    throw new ServiceError(
      'validation_failed',
      `The relay host ${host} is an internal address; only an operator can allow that (SENDFLOW_ROUTES_ALLOW_PRIVATE).`,
      [{ field: 'url', message: 'internal address' }],
    );
}

export function maskCredentials(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** A route whose URL is no SMTP URL can never deliver: a configuration error, not a deferral. */
export function assertUsableRoute(route: SmtpRoute): void {
  if (route.kind === 'mx') return;
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

/** A route or project may only name an IP pool this deployment has (SENDFLOW_IP_POOLS). */
export function assertKnownPool(pools: IpPools, name: string | undefined): void {
  if (name && !pools[name])
    throw new ServiceError('validation_failed', `No IP pool named ${name}.`, [
      { field: 'ip_pool', message: `unknown; configured: ${Object.keys(pools).join(', ') || 'none'}` },
    ]);
}

/**
 * One address of the pool to send from, spreading sends across it, of the target's address
 * family when that is known: undefined without a pool (the system chooses), null when the pool
 * has no address of that family.
 */
export function sourceAddress(pool: string[] | undefined, family?: 4 | 6): string | undefined | null {
  if (!pool?.length) return undefined;
  const fitting = family ? pool.filter((a) => net.isIP(a) === family) : pool;
  return fitting.length ? fitting[Math.floor(Math.random() * fitting.length)] : null;
}
