import { ensureProject } from '../../src/accounts/apiKeys';
import { enforceReputation } from '../../src/delivery/reputationGuard';
import { systemClock, writeStatus } from '../../src/messages/statusChanges';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Outage', text: 'Hi' };

describe('bounces caused by our own infrastructure', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The project's relay is down: nothing listens on port 1.
    stack = await startTestStack({ SMTP_URL: 'smtp://127.0.0.1:1' });
    await stack.request('PUT', '/v1/delivery-policy', { body: { retry_schedule: ['1s'] } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('end a message soft-bounced as destination_unreachable when the relay never answers', async () => {
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient: 'outage@example.test' });
    expect(await handle.result()).toBe('bounced');
    const message = (await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as Json;
    expect(message).toMatchObject({
      status: 'bounced',
      bounce_type: 'soft',
      reason: 'destination_unreachable',
    });
    const account = (await (await stack.request('GET', '/v1/account')).json()) as { reputation: Json };
    expect(account.reputation.bounced).toBe(0);
  });

  it('end a message soft-bounced as dns_unavailable when the MX lookup keeps failing', async () => {
    await stack.request('POST', '/v1/routes', {
      body: { name: 'direct-dnsdown', type: 'mx', match: { recipient_domains: ['dnsdown.test'] } },
    });
    stack.dns.setFailure('dnsdown.test', 'servfail');
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient: 'who@dnsdown.test' });
    expect(await handle.result()).toBe('bounced');
    const message = (await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as Json;
    expect(message).toMatchObject({ bounce_type: 'soft', reason: 'dns_unavailable' });
  });

  it('never count toward the reputation guard, while recipients’ soft bounces do', async () => {
    const c = stack.database.collections;
    const project = 'proj_reputation_infra';
    await ensureProject(c, project, 'reputation with an outage');
    const record = (n: number, status: 'accepted' | 'bounced', reason?: string) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          writeStatus(c, systemClock, {
            messageId: `msg_${status}_${reason ?? 'none'}_${i}`,
            projectId: project,
            recipient: `r${i}@example.test`,
            status,
            ...(status === 'bounced' ? { bounceType: 'soft' as const, reason, attempt: 6 } : {}),
          }),
        ),
      );
    const webhooks = { start: async () => undefined };
    await record(60, 'accepted');
    await record(20, 'bounced', 'destination_unreachable');
    await record(5, 'bounced', 'dns_unavailable');
    // 25 of 60 bounced, all because nobody could be reached: no suspension.
    expect(await enforceReputation(c, webhooks, project, new Date())).toBe(false);
    await record(3, 'bounced', 'retries_exhausted');
    // 3 of 60 (5 %) the recipients' doing: over the 4 % threshold.
    expect(await enforceReputation(c, webhooks, project, new Date())).toBe(true);
  });
});
