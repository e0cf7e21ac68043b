import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Puts the message (or webhook delivery) an activity works on into each of its log lines,
 * beside the workflow id the SDK adds, so a message's lines can be found by its id.
 */
export const logMessageIds: ActivityInterceptorsFactory = () => {
  let ids: Record<string, string> = {};
  return {
    inbound: {
      execute(input, next) {
        const first = input.args[0] as { messageId?: unknown; deliveryId?: unknown } | undefined;
        if (typeof first?.messageId === 'string') ids = { messageId: first.messageId };
        else if (typeof first?.deliveryId === 'string') ids = { deliveryId: first.deliveryId };
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(attributes, next) {
        return next({ ...attributes, ...ids });
      },
    },
  };
};
