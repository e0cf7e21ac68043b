import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/**
 * Headers of the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature),
 * signed by the `standardwebhooks` library receivers verify with, and X-Sendflow-Signature:
 * sha256=<hex HMAC of the raw body>, both keyed with the secret's decoded bytes.
 */
export function signatureHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const key = keyOf(secret);
  const signature = new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), body);
  const raw = createHmac('sha256', key).update(body).digest('hex');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signature,
    'X-Sendflow-Signature': `sha256=${raw}`,
  };
}
