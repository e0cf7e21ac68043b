import { createApiKey, ensureProject } from '../../src/accounts/apiKeys';
import { recordPastEvents } from '../support/sendHistory';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const DAY_MS = 86_400_000;

// Tiers, the daily guideline, hard quotas and plan rate limits; time moves in the database.
let stack: TestStack;
let n = 0;

/** A project of its own (created `ageDays` ago) and an admin key for it. */
async function project(ageDays = 0, plan: Json = {}) {
  const c = stack.database.collections;
  const projectId = `${stack.projectId}_${++n}`;
  await ensureProject(c, projectId, `plans ${n}`);
  await c.projects.updateOne(
    { _id: projectId },
    {
      $set: {
        created_at: new Date(Date.now() - ageDays * DAY_MS),
        ...(Object.keys(plan).length ? { plan } : {}),
      },
    },
  );
  const key = (await createApiKey(c, { projectId, name: 'plans', scopes: ['admin'] })).secret;
  const send = (recipient = `p${n}@example.test`) =>
    stack.request('POST', '/v1/messages', {
      key,
      body: { from: 'app@acme.test', recipient, subject: 'Plan', text: 'hi' },
    });
  const account = async () =>
    ((await (await stack.request('GET', '/v1/account', { key })).json()) as Json).plan as Json;
  const events = async (type: string) =>
    ((await (await stack.request('GET', `/v1/events?type=${type}`, { key })).json()) as { data: Json[] })
      .data;
  return { projectId, key, send, account, events };
}

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('sending plans', () => {
  it('shows the plan in GET /v1/account: a new project starts on the new tier', async () => {
    const p = await project();
    expect(await p.account()).toEqual({
      tier: 'new',
      rate_limit_per_minute: 1000,
      daily_guideline: 500,
      daily_quota: null,
      monthly_quota: null,
      contact_limit: null,
      transactional_enabled: true,
      sent_today: 0,
      review: null,
    });
  });

  it('upgrades a qualifying project to trusted on its first send of the day, with account.tier_upgraded', async () => {
    const p = await project(20);
    await recordPastEvents(stack.database.collections, p.projectId, new Date(Date.now() - 5 * DAY_MS), {
      'email.accepted': 150,
      'email.delivered': 149,
      'email.bounced': 1,
    });
    expect((await p.send()).status).toBe(202);
    expect(await p.account()).toMatchObject({ tier: 'trusted', daily_guideline: 5000 });
    const [upgraded] = await p.events('account.tier_upgraded');
    expect(upgraded).toMatchObject({ event: 'account.tier_upgraded', data: { tier: 'trusted' } });
  });

  it('keeps a project new while it is young, has sent too little or bounces 2 % or more', async () => {
    const cases = [
      { age: 10, accepted: 150, bounced: 0 },
      { age: 20, accepted: 99, bounced: 0 },
      { age: 20, accepted: 150, bounced: 3 },
    ];
    for (const { age, accepted, bounced } of cases) {
      const p = await project(age);
      await recordPastEvents(stack.database.collections, p.projectId, new Date(Date.now() - 3 * DAY_MS), {
        'email.accepted': accepted,
        'email.bounced': bounced,
      });
      expect((await p.send()).status).toBe(202);
      expect(await p.account()).toMatchObject({ tier: 'new' });
      expect(await p.events('account.tier_upgraded')).toEqual([]);
      const doc = await stack.database.collections.projects.findOne({ _id: p.projectId });
      expect(doc?.tier_checked_day).toBe(new Date().toISOString().slice(0, 10));
    }
  });

  it('flags a project for review when a day crosses its guideline, and still accepts the mail', async () => {
    const p = await project();
    await recordPastEvents(stack.database.collections, p.projectId, new Date(), { 'email.queued': 501 });
    const res = await p.send();
    expect(res.status).toBe(202);
    const plan = await p.account();
    expect(plan.review).toMatchObject({
      reason: expect.stringMatching(/crossed the new tier's daily guideline of 500/),
    });
    const [flagged] = await p.events('account.review_flagged');
    expect(flagged).toMatchObject({ data: { tier: 'new' } });
  });

  it('refuses sends beyond a hard daily or monthly quota with 429 quota_exceeded', async () => {
    const daily = await project(0, { daily_quota: 3 });
    await recordPastEvents(stack.database.collections, daily.projectId, new Date(), { 'email.queued': 3 });
    const over = await daily.send();
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({
      error: 'quota_exceeded',
      message: expect.stringMatching(/daily sending quota is used up/),
    });
    expect(await daily.account()).toMatchObject({ daily_quota: { quota: 3, used: 3 } });

    const monthly = await project(0, { monthly_quota: 2 });
    expect((await monthly.send('m1@example.test')).status).toBe(202);
    await recordPastEvents(stack.database.collections, monthly.projectId, new Date(), {
      'email.scheduled': 2,
    });
    const overMonth = await monthly.send('m2@example.test');
    expect(overMonth.status).toBe(429);
    expect(await overMonth.json()).toMatchObject({ message: expect.stringMatching(/monthly sending quota/) });
  });

  it("limits a project's keys without their own limit to its plan's requests per minute", async () => {
    const p = await project(0, { rate_limit_per_minute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await stack.request('GET', '/v1/account', { key: p.key })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
