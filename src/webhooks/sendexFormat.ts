import { createHmac } from 'node:crypto';
import type { SendexEvent } from '../contracts/dialects/sendexEmails';
import type { EventDoc } from '../db/documents';

/**
 * Our event under the email-API dialect's names. A 250 from the next hop is both its `sent`
 * (handed on) and its `delivered`; a soft bounce (retries used up) never left, so it `failed`.
 */
export function sendexNamesFor(e: Pick<EventDoc, 'type' | 'bounce_type'>): SendexEvent[] {
  switch (e.type) {
    case 'email.delivered':
      return ['email.sent', 'email.delivered'];
    case 'email.bounced':
      return e.bounce_type === 'soft' ? ['email.failed'] : ['email.bounced'];
    case 'email.failed':
      return ['email.failed'];
    case 'email.complained':
      return ['email.complained'];
    default:
      return [];
  }
}

/** Every name an event of this type may take in the dialect (a bounce is either of two). */
export function sendexNamesOfType(type: string): SendexEvent[] {
  const names = (['hard', 'soft'] as const).flatMap((bounce_type) =>
    sendexNamesFor({ type: type as EventDoc['type'], bounce_type }),
  );
  return [...new Set(names)];
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body): the X-Sendex-Signature header. */
export function sendexSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
