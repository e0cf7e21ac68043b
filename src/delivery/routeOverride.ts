import type { Collections } from '../db/mongo';
import { DEFAULT_ROUTE_NAME } from './routing';

/** An operator named a route the project does not have. */
export class UnknownRouteError extends Error {
  constructor(route: string) {
    super(`The project has no route named "${route}" (the default route is "${DEFAULT_ROUTE_NAME}").`);
    this.name = 'UnknownRouteError';
  }
}

/** Sends the message's next attempts through `route` (one of the project's, or the default). */
export async function overrideRoute(
  c: Collections,
  projectId: string,
  messageId: string,
  route: string,
): Promise<void> {
  if (
    route !== DEFAULT_ROUTE_NAME &&
    !(await c.routes.findOne({ project_id: projectId, name: route }, { projection: { _id: 1 } }))
  )
    throw new UnknownRouteError(route);
  await c.messages.updateOne({ _id: messageId, project_id: projectId }, { $set: { route_override: route } });
}
