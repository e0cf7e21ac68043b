import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Random id like `msg_3k9x…`: 20 base-36 characters, about 103 bits. */
export function newId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  return `${prefix}_${out}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Workflow id of a message: derived from the idempotency key, scoped by project, so Temporal
 * itself refuses a second delivery for the same key.
 */
export function messageWorkflowId(projectId: string, idempotencyKey: string): string {
  return `message-${projectId}-${sha256Hex(idempotencyKey).slice(0, 32)}`;
}
