import type { Config } from '../../config';
import { deliveryPolicySchema, deliveryPolicyViewSchema } from '../../contracts/deliveryPolicySchemas';
import type { Collections } from '../../db/mongo';
import { effectivePolicy, policyView, saveDeliveryPolicy } from '../../delivery/deliveryPolicy';
import { assertKnownPool } from '../../delivery/routing';
import { type RouteSpec, route } from '../routeSpec';

export function deliveryPolicyRoutes(c: Collections, config: Config): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/delivery-policy',
      operationId: 'getDeliveryPolicy',
      tag: 'Delivery policy',
      summary: 'Retry schedule and per-domain pacing in force for this project',
      scope: 'read',
      responses: { 200: { description: 'The policy', schema: deliveryPolicyViewSchema } },
      async handler({ auth }) {
        return { body: policyView(await effectivePolicy(c, auth.projectId, config.SENDFLOW_RETRY_SCHEDULE)) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/delivery-policy',
      operationId: 'putDeliveryPolicy',
      tag: 'Delivery policy',
      summary:
        'Replace the policy; the retry schedule applies to messages accepted from now on, pacing at once',
      scope: 'admin',
      body: deliveryPolicySchema,
      responses: { 200: { description: 'The new policy', schema: deliveryPolicyViewSchema } },
      async handler({ body, auth }) {
        assertKnownPool(config.SENDFLOW_IP_POOLS, body.ip_pool);
        await saveDeliveryPolicy(c, auth.projectId, body);
        return { body: policyView(await effectivePolicy(c, auth.projectId, config.SENDFLOW_RETRY_SCHEDULE)) };
      },
    }),
  ];
}
