import { z } from 'zod';
import { SCOPES } from './apiKeySchemas';

/** Answer of POST /v1/sessions: the cookie is set beside it, HttpOnly, so only this is readable. */
export const sessionSchema = z
  .object({
    project_id: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    csrf_token: z
      .string()
      .describe('Send as X-CSRF-Token with every state-changing request made with the cookie'),
    expires_at: z.string(),
  })
  .meta({ id: 'Session' });
