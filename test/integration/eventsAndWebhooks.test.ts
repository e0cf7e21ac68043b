import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { webhookWorkflowId } from '../../src/temporal/webhookWorkflows';
import { deliveryIdOf } from '../../src/webhooks/fanOut';
import { startTestStack, type TestStack } from '../support/testStack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

type Json = Record<string, unknown>;
const base = {
  from: 'app@acme.test',
  subject: 'Events',
  text: 'Hi',
  tags: ['welcome'],
  metadata: { user_id: 'u_1' },
};

async function json(res: Response) {
  return (await res.json()) as Json;
}

describe('events and webhooks on the dev server', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [stack, receiver] = await Promise.all([
      startTestStack({ SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true' }),
      startWebhookReceiver(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), receiver?.close()]);
  });

  it('records every status change once, in a per-project sequence, listable with a cursor', async () => {
    const { message_id } = await json(
      await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'seq@example.test' } }),
    );
    await stack.waitForStatus(message_id as string, ['delivered']);
    const all = await json(await stack.request('GET', `/v1/events?message_id=${message_id}`));
    const events = all.data as Json[];
    expect(events.map((e) => e.event)).toEqual(['email.queued', 'email.accepted', 'email.delivered']);
    const seqs = events.map((e) => e.sequence as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(events[2]).toMatchObject({
      data: {
        message_id,
        recipient: 'seq@example.test',
        status: 'delivered',
        attempt: 1,
        smtp: { code: 250 },
        tags: ['welcome'],
        metadata: { user_id: 'u_1' },
      },
    });

    const first = await json(await stack.request('GET', `/v1/events?message_id=${message_id}&limit=2`));
    expect(first.has_more).toBe(true);
    const rest = await json(
      await stack.request('GET', `/v1/events?message_id=${message_id}&cursor=${first.next_cursor}`),
    );
    expect([...(first.data as Json[]), ...(rest.data as Json[])].map((e) => e.id)).toEqual(
      events.map((e) => e.id),
    );
    const delivered = await json(
      await stack.request('GET', `/v1/events?type=email.delivered&since=${seqs[0]}`),
    );
    expect((delivered.data as Json[]).map((e) => e.id)).toContain(events[2].id);
  });

  it('signs webhooks per Standard Webhooks and with X-Sendflow-Signature, for subscribed events only', async () => {
    const created = await json(
      await stack.request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['email.delivered'], description: 'crm' },
      }),
    );
    expect(created.secret).toMatch(/^whsec_/);
    const { message_id } = await json(
      await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'hook@example.test' } }),
    );
    const [hook] = await receiver.waitFor(1);
    const payload = JSON.parse(hook.body) as Json;
    expect(payload).toMatchObject({
      event: 'email.delivered',
      data: { message_id, recipient: 'hook@example.test' },
    });

    const verified = new Webhook(created.secret as string).verify(hook.body, {
      'webhook-id': hook.headers['webhook-id'] as string,
      'webhook-timestamp': hook.headers['webhook-timestamp'] as string,
      'webhook-signature': hook.headers['webhook-signature'] as string,
    });
    expect(verified).toEqual(payload);
    expect(hook.headers['webhook-id']).toBe(payload.id);

    const key = Buffer.from((created.secret as string).slice('whsec_'.length), 'base64');
    const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(hook.body).digest('hex')}`);
    const given = Buffer.from(hook.headers['x-sendflow-signature'] as string);
    expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);

    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(1);
    const deliveries = await json(await stack.request('GET', `/v1/webhooks/${created.id}/deliveries`));
    expect(deliveries.data).toEqual([
      expect.objectContaining({
        status: 'succeeded',
        event: 'email.delivered',
        attempts: [expect.objectContaining({ status_code: 200 })],
      }),
    ]);
    await stack.request('DELETE', `/v1/webhooks/${created.id}`);
  });

  it('disables an endpoint failing for more than 3 days, emits webhook.disabled, and re-enables with one PATCH', async () => {
    const broken = await startWebhookReceiver();
    try {
      broken.failNext(1000, 500);
      const watcher = await json(
        await stack.request('POST', '/v1/webhooks', {
          body: { url: receiver.url, events: ['webhook.disabled'] },
        }),
      );
      const failing = await json(
        await stack.request('POST', '/v1/webhooks', { body: { url: broken.url, events: ['email.queued'] } }),
      );
      // Its failure streak started four days ago (set directly: days cannot pass in a test on the dev server).
      await stack.database.collections.webhooks.updateOne(
        { _id: failing.id as string },
        { $set: { failing_since: new Date(Date.now() - 4 * 86_400_000) } },
      );
      const before = receiver.received.length;
      await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'disable@example.test' } });
      await broken.waitFor(1);
      const notice = (await receiver.waitFor(before + 1))
        .slice(before)
        .map((r) => JSON.parse(r.body) as Json);
      expect(notice[0]).toMatchObject({
        event: 'webhook.disabled',
        data: { webhook_id: failing.id, url: broken.url },
      });
      const disabled = await json(await stack.request('GET', `/v1/webhooks/${failing.id}`));
      expect(disabled).toMatchObject({
        enabled: false,
        disabled_reason: expect.stringMatching(/failing continuously since/),
      });

      const reenabled = await json(
        await stack.request('PATCH', `/v1/webhooks/${failing.id}`, { body: { enabled: true } }),
      );
      expect(reenabled).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
      await stack.request('DELETE', `/v1/webhooks/${failing.id}`);
      await stack.request('DELETE', `/v1/webhooks/${watcher.id}`);
    } finally {
      await broken.close();
    }
  });

  it('streams live events over SSE and resumes from Last-Event-ID without gaps or repeats', async () => {
    const controller = new AbortController();
    const res = await fetch(`${stack.baseUrl}/v1/events/stream`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const seen: { id: string; event: string; data: Json }[] = [];
    let buffer = '';
    const pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += new TextDecoder().decode(value);
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields = Object.fromEntries(
              block
                .split('\n')
                .filter((l) => /^(id|event|data):/.test(l))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
            );
            if (fields.id) seen.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
            cut = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted
      }
    })();
    const first = await json(
      await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'sse1@example.test' } }),
    );
    await stack.waitForStatus(first.message_id as string, ['delivered']);
    const deadline = Date.now() + 10_000;
    while (!seen.some((e) => e.event === 'email.delivered') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await pump;
    const lastSeen = seen[seen.length - 1].id;

    const missed: string[] = [];
    for (const r of ['sse2@example.test', 'sse3@example.test']) {
      const m = await json(await stack.request('POST', '/v1/messages', { body: { ...base, recipient: r } }));
      await stack.waitForStatus(m.message_id as string, ['delivered']);
      missed.push(m.message_id as string);
    }
    const expected = (await json(await stack.request('GET', `/v1/events?since=${lastSeen}`))).data as Json[];
    expect(expected).toHaveLength(6);

    const resumed = new AbortController();
    const again = await fetch(`${stack.baseUrl}/v1/events/stream`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, 'Last-Event-ID': lastSeen },
      signal: resumed.signal,
    });
    const reader2 = (again.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const until = Date.now() + 10_000;
    while ((text.match(/^id: /gm) ?? []).length < 6 && Date.now() < until) {
      const { value } = await reader2.read();
      text += new TextDecoder().decode(value);
    }
    resumed.abort();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(expected.map((e) => e.sequence));
    expect(new Set(expected.map((e) => (e.data as Json).message_id))).toEqual(new Set(missed));
  });
});

describe('webhook endpoints without SENDFLOW_WEBHOOK_ALLOW_PRIVATE', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses URLs on loopback, private and link-local addresses', async () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://10.1.2.3/x',
      'http://169.254.169.254/latest',
      'http://[::1]/x',
      'http://localhost/x',
    ]) {
      const res = await stack.request('POST', '/v1/webhooks', { body: { url } });
      expect(res.status).toBe(422);
      expect(await json(res)).toMatchObject({ error: 'validation_failed', errors: [{ field: 'url' }] });
    }
  });
});

describe('webhook retries on the time-skipping test server', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [stack, receiver] = await Promise.all([
      startTestStack({ SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true' }, { timeSkipping: true }),
      startWebhookReceiver(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), receiver?.close()]);
  });

  const deliveredEventWorkflow = async (hookId: string, messageId: string, round = 0) => {
    const event = await stack.database.collections.events.findOne({
      message_id: messageId,
      type: 'email.delivered',
    });
    return stack.temporal.workflow.getHandle(
      webhookWorkflowId(deliveryIdOf(event?._id as string, hookId), round),
    );
  };
  const sendAndFinish = async (recipient: string) => {
    const { message_id } = await json(
      await stack.request('POST', '/v1/messages', { body: { ...base, recipient } }),
    );
    const message = await stack.database.collections.messages.findOne({ _id: message_id as string });
    await stack.temporal.workflow.getHandle(message?.workflow_id as string).result();
    return message_id as string;
  };

  it('delivers on the 4th attempt after 3 failures, with the same webhook-id each time', async () => {
    const hook = await json(
      await stack.request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['email.delivered'] },
      }),
    );
    receiver.failNext(3, 503);
    const messageId = await sendAndFinish('retry@example.test');
    expect(await (await deliveredEventWorkflow(hook.id as string, messageId)).result()).toBe('succeeded');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(
      Array(4).fill(receiver.received[0].headers['webhook-id']),
    );
    const deliveries = await json(await stack.request('GET', `/v1/webhooks/${hook.id}/deliveries`));
    const attempts = ((deliveries.data as Json[])[0].attempts as Json[]).map((a) => a.status_code);
    expect(attempts).toEqual([503, 503, 503, 200]);
    await stack.request('DELETE', `/v1/webhooks/${hook.id}`);
  });

  it('marks a delivery failed after more than 24 hours of failures, and re-sends it on request', async () => {
    const hook = await json(
      await stack.request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['email.delivered'] },
      }),
    );
    const before = receiver.received.length;
    receiver.failNext(1000, 500);
    const messageId = await sendAndFinish('down@example.test');
    expect(await (await deliveredEventWorkflow(hook.id as string, messageId)).result()).toBe('failed');
    const deliveries = await json(await stack.request('GET', `/v1/webhooks/${hook.id}/deliveries`));
    const delivery = (deliveries.data as Json[])[0];
    expect(delivery.status).toBe('failed');
    const attempts = delivery.attempts as Json[];
    expect(attempts).toHaveLength(12);
    const span = Date.parse(attempts[11].at as string) - Date.parse(attempts[0].at as string);
    expect(span).toBeGreaterThan(24 * 3600_000);
    expect(receiver.received.length - before).toBe(12);
    const endpoint = await json(await stack.request('GET', `/v1/webhooks/${hook.id}`));
    expect(endpoint.failing_since).not.toBeNull();

    receiver.failNext(0);
    const retry = await stack.request('POST', `/v1/webhooks/deliveries/${delivery.id}/retry`);
    expect(retry.status).toBe(202);
    expect(await (await deliveredEventWorkflow(hook.id as string, messageId, 1)).result()).toBe('succeeded');
    const after = await json(await stack.request('GET', `/v1/webhooks/${hook.id}`));
    expect(after.failing_since).toBeNull();
  });
});
