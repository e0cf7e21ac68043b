import { createApiKey, DEFAULT_PROJECT_ID, ensureProject } from '../../src/accounts/apiKeys';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;

// Findings of the security audit (issue "Security hardening"), each against the real stack.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const mint = (key: string, body: Json) =>
  stack.request('POST', '/v1/api-keys', { key, body: { name: 'minted', ...body } });

describe('minting keys', () => {
  it('keeps a new key within the domains, rate limit and mode of the key that creates it', async () => {
    const c = stack.database.collections;
    const limited = (
      await createApiKey(c, {
        projectId: stack.projectId,
        name: 'billing admin',
        scopes: ['admin'],
        domains: ['billing.acme.test'],
        rateLimitPerMinute: 10,
      })
    ).secret;
    const escalation = await mint(limited, { scopes: ['admin'], rate_limit_per_minute: 1_000_000 });
    expect(escalation.status).toBe(403);
    expect(await escalation.json()).toMatchObject({
      error: 'forbidden',
      message: expect.stringMatching(/rate limit above/),
    });
    const otherDomain = await mint(limited, { scopes: ['send'], domains: ['acme.test'] });
    expect(otherDomain.status).toBe(403);

    const inherited = await mint(limited, { scopes: ['send'] });
    expect(inherited.status).toBe(201);
    const child = (await inherited.json()) as Json;
    expect(child).toMatchObject({
      domains: ['billing.acme.test'],
      rate_limit_per_minute: 10,
      test_mode: false,
    });
    const outside = await stack.request('POST', '/v1/messages', {
      key: child.secret as string,
      body: { from: 'ceo@acme.test', recipient: 'x@example.test', subject: 's', text: 't' },
    });
    expect(outside.status).toBe(403);

    const testAdmin = (
      await createApiKey(c, {
        projectId: stack.projectId,
        name: 'test admin',
        scopes: ['admin'],
        testMode: true,
      })
    ).secret;
    const live = await mint(testAdmin, { scopes: ['admin'], test_mode: false });
    expect(live.status).toBe(403);
    const testChild = await mint(testAdmin, { scopes: ['send'] });
    expect(((await testChild.json()) as Json).secret).toMatch(/^sf_test_/);
  });
});

describe('bad input is refused with a clear error and loses nothing', () => {
  const base = { from: 'app@acme.test', recipient: 'bad@example.test', subject: 'Hi', text: 'Hello' };
  const send = (body: Json) => stack.request('POST', '/v1/messages', { body });

  it('refuses template_data nested deeper than 32 levels with 400 (100,000 levels included)', async () => {
    await stack.request('POST', '/v1/templates', { body: { name: 'deep', subject: 'Hi', text: 'x' } });
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const res = await stack.request('POST', '/v1/messages', {
      body: `{"from":"app@acme.test","recipient":"deep@example.test","template":"deep","template_data":${deep}}`,
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/nested at most 32 levels deep/);
    const ok = await send({
      ...base,
      subject: undefined,
      text: undefined,
      template: 'deep',
      template_data: { a: { b: 1 } },
    });
    expect(ok.status).toBe(202);
  });

  it('refuses a scheduled_time beyond the configured maximum (365 days) with 422', async () => {
    const res = await send({ ...base, scheduled_time: '9999-12-31T00:00:00Z' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ message: 'scheduled_time may be at most 365 days ahead.' });
    const soon = await send({ ...base, scheduled_time: new Date(Date.now() + 3600_000).toISOString() });
    expect(soon.status).toBe(202);
  });

  it('refuses attachments that are not base64 of at least one byte, and file names with control characters', async () => {
    for (const content of ['A', '====', 'QUJD!', 'QUJ']) {
      const res = await send({
        ...base,
        attachments: [{ filename: 'a.txt', content, content_type: 'text/plain' }],
      });
      expect(res.status).toBe(400);
    }
    const nul = await send({
      ...base,
      attachments: [{ filename: 'invoice\u0000.pdf.exe', content: 'QUJD', content_type: 'application/pdf' }],
    });
    expect(nul.status).toBe(400);
    const fine = await send({
      ...base,
      attachments: [{ filename: 'a.txt', content: 'QUJD\r\nREVG', content_type: 'text/plain' }],
    });
    expect(fine.status).toBe(202);
  });

  it('refuses custom headers that change routing, authentication results or MIME structure', async () => {
    for (const name of [
      'Resent-To',
      'Resent-Bcc',
      'Authentication-Results',
      'Content-Disposition',
      'ARC-Seal',
      'Received-SPF',
    ]) {
      const res = await send({ ...base, headers: { [name]: 'x@evil.test' } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(name);
    }
    expect(
      (
        await send({
          ...base,
          headers: { 'X-Campaign': 'spring', 'List-Unsubscribe': '<mailto:u@acme.test>' },
        })
      ).status,
    ).toBe(202);
    expect(
      await stack.database.collections.messages.countDocuments({
        recipient: 'bad@example.test',
        'headers.Resent-To': { $exists: true },
      }),
    ).toBe(0);
  });
});

describe('sender domains the operator vouches for', () => {
  it('belong to the default project, or to the projects named with them, not to every project', async () => {
    const own = await startTestStack({ SENDFLOW_VERIFIED_DOMAINS: 'example.com,partner.test:proj_named' });
    try {
      const c = own.database.collections;
      const mail = (from: string) => ({ from, recipient: 'r@example.test', subject: 's', text: 't' });
      const keyOf = async (projectId: string) => {
        await ensureProject(c, projectId, projectId);
        return (await createApiKey(c, { projectId, name: 'ops', scopes: ['send'] })).secret;
      };
      for (const from of ['ceo@example.com', 'hi@partner.test']) {
        const refused = await own.request('POST', '/v1/messages', { body: mail(from) });
        expect(refused.status).toBe(422);
        expect(await refused.json()).toMatchObject({ error: 'domain_not_verified' });
      }
      const byDefault = await own.request('POST', '/v1/messages', {
        key: await keyOf(DEFAULT_PROJECT_ID),
        body: mail('ceo@example.com'),
      });
      expect(byDefault.status).toBe(202);
      const named = await own.request('POST', '/v1/messages', {
        key: await keyOf('proj_named'),
        body: mail('hi@partner.test'),
      });
      expect(named.status).toBe(202);
    } finally {
      await own.close();
    }
  });
});
