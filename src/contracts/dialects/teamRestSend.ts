import { z } from 'zod';
import { ADDRESS_PATTERN } from '../../messages/address';

const person = z.object({ email: z.string().optional(), name: z.string().optional() });

/**
 * Body of POST /api/v1/rest/send/email (the team-key REST dialect). Types only: which field is
 * missing or malformed is answered with that dialect's own 400 messages by the adapter.
 */
export const teamRestSendSchema = z.object({
  from: person.optional(),
  to: z
    .array(
      z.object({
        email: z.string().optional(),
        name: z.string().optional(),
        customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      }),
    )
    .optional(),
  replyTo: person.optional(),
  subject: z.string().min(1),
  htmlBody: z.string().min(1),
  textBody: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type TeamRestSend = z.infer<typeof teamRestSendSchema>;

// An address as the dialect takes it: ours, with a top-level domain of two letters or more.
const TEAM_REST_ADDRESS = new RegExp(
  ADDRESS_PATTERN.source.replace('[A-Za-z][A-Za-z0-9-]{0,62}$', '[A-Za-z]{2,63}$'),
);
const documentedPerson = z.object({
  email: z.string().max(254).regex(TEAM_REST_ADDRESS),
  name: z.string().optional(),
});

/** What a send must carry to be accepted, for the API description (the adapter checks it). */
export const teamRestSendDocSchema = teamRestSendSchema.extend({
  from: documentedPerson,
  to: z
    .array(
      documentedPerson.extend({
        customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      }),
    )
    .min(1),
  replyTo: documentedPerson.optional(),
});

export const teamRestAcceptedSchema = z.object({
  status: z.literal('success'),
  message: z.literal('Email queued for delivery'),
});
