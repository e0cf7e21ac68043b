import type { RouteDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { ownedRepository } from '../db/ownedRepository';

/** Named SMTP routes of a project, in the order they are tried. */
export function routeRepository(c: Collections) {
  return ownedRepository<RouteDoc>(c.routes, { noun: 'route', sort: { position: 1, name: 1 } });
}
