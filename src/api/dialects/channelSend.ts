import type { AuthContext } from '../../accounts/authContext';
import {
  type ChannelSend,
  channelBatchDocumentedSchema,
  channelBatchSchema,
  channelSendSchema,
  channelSentSchema,
} from '../../contracts/dialects/channelSend';
import { batchAnswerSchema } from '../../contracts/messageRequest';
import { ServiceError, validationError } from '../../contracts/serviceError';
import { newId } from '../../db/ids';
import { type AcceptanceDeps, acceptMessage } from '../../messages/messageAcceptance';
import { acceptEach } from '../batchReply';
import { type RouteSpec, route } from '../routeSpec';

/** Our field names as this dialect spells them, for field-level errors. */
const FIELD_NAMES: Record<string, string> = {
  from: 'metadata.from_email',
  recipient: 'destination.email',
  subject: 'payload.subject',
  html: 'payload.body_html',
  text: 'payload.body_text',
  template: 'template_id',
  template_data: 'template_vars',
};

function inDialectTerms(err: unknown): unknown {
  if (!(err instanceof ServiceError) || !err.errors) return err;
  const errors = err.errors.map((e) => ({ ...e, field: FIELD_NAMES[e.field] ?? e.field }));
  return new ServiceError(err.slug, err.message, errors);
}

/** The send request of our API that a channel-tagged email send stands for. */
function asMessageRequest(b: ChannelSend, idempotencyKey: string): Record<string, unknown> {
  const { from_email, ...metadata } = b.metadata ?? {};
  const fields: Record<string, unknown> = {
    from: from_email,
    recipient: b.destination.email,
    subject: b.payload?.subject,
    html: b.payload?.body_html,
    text: b.payload?.body_text,
    template: b.template_id,
    template_data: b.template_vars,
    message_type: b.message_type,
    metadata: Object.keys(metadata).length ? metadata : undefined,
    idempotency_key: idempotencyKey,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * POST /v1/send and /v1/send/batch: the channel-tagged dialect, translated onto the one message
 * service. The key is generated when omitted and always echoed, so a client can retry with it.
 */
export function channelSendRoutes(deps: AcceptanceDeps): RouteSpec[] {
  const sendOne = async (auth: AuthContext, raw: unknown) => {
    const channel = (raw as { channel?: unknown } | null)?.channel;
    if (channel === 'sms' || channel === 'voice')
      throw new ServiceError(
        'channel_not_enabled',
        `The ${channel} channel is gated and not enabled; email is the only generally-available send channel.`,
        [{ field: 'channel', message: 'not enabled' }],
      );
    if (channel === 'push' || channel === 'webhook')
      throw new ServiceError(
        'validation_failed',
        `${channel} is not a production send channel; send with channel "email".`,
        [{ field: 'channel', message: 'not a production send channel' }],
      );
    const parsed = channelSendSchema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const idempotencyKey = parsed.data.idempotency_key ?? newId('idk');
    try {
      const result = await acceptMessage(deps, auth, asMessageRequest(parsed.data, idempotencyKey), {});
      return {
        body: { ...result.body, idempotency_key: idempotencyKey, channel: 'email' as const },
        replayed: result.replayed,
      };
    } catch (err) {
      throw inDialectTerms(err);
    }
  };
  return [
    route({
      method: 'post',
      path: '/v1/send',
      operationId: 'channelSend',
      tag: 'Compatibility: channel-tagged send',
      summary: 'Send one email through the channel-tagged body (channel, destination, payload)',
      scope: 'send',
      documentedBody: channelSendSchema,
      responses: {
        202: { description: 'Accepted; the idempotency key is echoed', schema: channelSentSchema },
      },
      async handler({ req, auth }) {
        const sent = await sendOne(auth, req.body);
        return {
          status: 202,
          body: sent.body,
          headers: sent.replayed ? { 'Idempotent-Replayed': 'true' } : undefined,
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/send/batch',
      operationId: 'channelSendBatch',
      tag: 'Compatibility: channel-tagged send',
      summary: 'Send up to 500 channel-tagged emails; each succeeds or fails on its own, in order',
      scope: 'send',
      body: channelBatchSchema,
      documentedBody: channelBatchDocumentedSchema,
      responses: {
        200: {
          description: 'Per-item results in request order',
          schema: batchAnswerSchema(channelSentSchema),
        },
      },
      async handler({ body, auth }) {
        const data = await acceptEach(body, async (item) => (await sendOne(auth, item)).body);
        return { status: 200, body: { data } };
      },
    }),
  ];
}
