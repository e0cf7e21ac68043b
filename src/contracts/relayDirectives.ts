import { z } from 'zod';
import { sendMessageSchema } from './messageRequest';

const fields = sendMessageSchema.shape;

/**
 * What an application that speaks only SMTP can ask of Sendflow, in `X-Sendflow-*` headers of
 * the submitted mail (README "SMTP relay"); validated by the same field rules as the API.
 */
export const relayDirectivesSchema = z
  .object({
    tags: fields.tags,
    metadata: fields.metadata,
    message_type: fields.message_type,
    priority: fields.priority,
    template: fields.template,
    template_data: fields.template_data,
  })
  .strict();

export type RelayDirectives = z.infer<typeof relayDirectivesSchema>;

/** The header each directive is read from; metadata comes from `X-Sendflow-Metadata-<key>`. */
export const DIRECTIVE_HEADERS = {
  tags: 'x-sendflow-tags',
  message_type: 'x-sendflow-message-type',
  priority: 'x-sendflow-priority',
  template: 'x-sendflow-template',
  template_data: 'x-sendflow-template-data',
} as const;
export const METADATA_HEADER_PREFIX = 'x-sendflow-metadata-';
