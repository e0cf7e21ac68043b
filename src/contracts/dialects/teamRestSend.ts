import { z } from 'zod';

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

export const teamRestAcceptedSchema = z.object({
  status: z.literal('success'),
  message: z.literal('Email queued for delivery'),
});
