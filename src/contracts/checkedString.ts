import { z } from 'zod';
import { SEMANTIC_CHECK } from './serviceError';

/**
 * A string the API description states as a pattern, with a deeper check JSON Schema cannot
 * say (a URL that parses, an address our parser takes). The check runs only on strings that
 * match, so a bad value gets one error; failing the check alone is semantic (422).
 */
export function checkedString(
  pattern: RegExp,
  message: string,
  check: (value: string) => boolean,
  base: z.ZodString = z.string(),
) {
  return base
    .regex(pattern, message)
    .refine((v) => !pattern.test(v) || check(v), { message, ...SEMANTIC_CHECK });
}
