import { z } from 'zod';
import { MAILBOX_PATTERN } from '../../messages/address';
import { acceptedMessageSchema, MAX_BATCH } from '../messageRequest';
import { MESSAGE_TYPES } from '../statuses';

/** Channels of the channel-tagged send; only email is enabled. */
export const CHANNELS = ['email', 'sms', 'voice', 'push', 'webhook'] as const;

/** Body of POST /v1/send (the channel-tagged dialect, README "Migrating"). */
export const channelSendSchema = z
  .object({
    channel: z.enum(CHANNELS),
    idempotency_key: z.string().min(1).max(256).optional(),
    destination: z.object({ email: z.string().max(998).regex(MAILBOX_PATTERN) }).strict(),
    payload: z
      .object({
        subject: z.string().min(1).optional(),
        body_html: z.string().min(1).optional(),
        body_text: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    message_type: z.enum(MESSAGE_TYPES).optional(),
    metadata: z.record(z.string().max(100), z.string().max(2000)).optional(),
    template_id: z.string().min(1).max(200).optional(),
    template_vars: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  // As a send requires: a stored template, or a payload with a subject and a body.
  .meta({
    anyOf: [
      {
        required: ['template_id'],
        properties: {
          payload: { not: { anyOf: [{ required: ['body_html'] }, { required: ['body_text'] }] } },
        },
      },
      {
        required: ['payload'],
        not: { anyOf: [{ required: ['template_id'] }, { required: ['template_vars'] }] },
        properties: {
          payload: {
            required: ['subject'],
            anyOf: [{ required: ['body_html'] }, { required: ['body_text'] }],
          },
        },
      },
    ],
  });
export type ChannelSend = z.infer<typeof channelSendSchema>;

/** 202 of POST /v1/send: our accepted message, the key it is bound to and its channel. */
export const channelSentSchema = acceptedMessageSchema.extend({
  idempotency_key: z.string(),
  channel: z.literal('email'),
});

export const channelBatchSchema = z
  .array(z.unknown())
  .min(1, 'send at least one message')
  .max(MAX_BATCH, `at most ${MAX_BATCH} messages per batch`);

/** The batch as documented: each item a channel-tagged send, validated on its own. */
export const channelBatchDocumentedSchema = z.array(channelSendSchema).min(1).max(MAX_BATCH);
