import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** A Temporal payload as the codec server protocol carries it: metadata values and data in base64. */
export const codecPayloadSchema = z.object({
  metadata: z.record(z.string(), base64).default({}),
  data: base64.optional(),
});

/** Body and answer of POST /codec/encode and /codec/decode (Temporal's codec server protocol). */
export const codecPayloadsSchema = z.object({ payloads: z.array(codecPayloadSchema).max(1000) }).meta({
  id: 'CodecPayloads',
});
export type CodecPayloads = z.infer<typeof codecPayloadsSchema>;
