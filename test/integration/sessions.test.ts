import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;

describe('browser sessions', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const signIn = async (key: string) => {
    const res = await stack.request('POST', '/v1/sessions', { key });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { setCookie, cookie: setCookie.split(';')[0], body: (await res.json()) as Json };
  };
  const withCookie = (
    cookie: string,
    method: string,
    path: string,
    opts: { body?: unknown; csrf?: string } = {},
  ) =>
    fetch(stack.baseUrl + path, {
      method,
      headers: {
        cookie,
        ...(opts.body ? { 'content-type': 'application/json' } : {}),
        ...(opts.csrf ? { 'x-csrf-token': opts.csrf } : {}),
      },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
    });

  it('exchanges a key for an HttpOnly, SameSite=Strict cookie that authenticates like the key', async () => {
    const { setCookie, cookie, body } = await signIn(stack.apiKey);
    expect(setCookie).toMatch(/^sendflow_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(body).toMatchObject({
      project_id: stack.projectId,
      scopes: ['admin'],
      csrf_token: expect.any(String),
    });
    // The key itself is nowhere in what the browser gets.
    expect(setCookie + JSON.stringify(body)).not.toContain(stack.apiKey);
    expect((await withCookie(cookie, 'GET', '/v1/messages')).status).toBe(200);
  });

  it('refuses a change made with the cookie unless it carries the CSRF token', async () => {
    const { cookie, body } = await signIn(stack.apiKey);
    const suppression = { recipient: 'csrf@example.test' };
    expect((await withCookie(cookie, 'POST', '/v1/suppressions', { body: suppression })).status).toBe(403);
    expect(
      (await withCookie(cookie, 'POST', '/v1/suppressions', { body: suppression, csrf: 'forged' })).status,
    ).toBe(403);
    const ok = await withCookie(cookie, 'POST', '/v1/suppressions', {
      body: suppression,
      csrf: body.csrf_token as string,
    });
    expect(ok.status).toBe(201);
  });

  it('stops working when signed out, and when its key is revoked', async () => {
    const first = await signIn(stack.apiKey);
    const out = await withCookie(first.cookie, 'DELETE', '/v1/sessions/current', {
      csrf: first.body.csrf_token as string,
    });
    expect(out.status).toBe(204);
    expect((await withCookie(first.cookie, 'GET', '/v1/messages')).status).toBe(401);

    const keyRes = await stack.request('POST', '/v1/api-keys', {
      body: { name: 'browser', scopes: ['read'] },
    });
    const created = (await keyRes.json()) as Json;
    const second = await signIn(created.secret as string);
    expect((await withCookie(second.cookie, 'GET', '/v1/messages')).status).toBe(200);
    expect((await stack.request('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
    expect((await withCookie(second.cookie, 'GET', '/v1/messages')).status).toBe(401);
    // A read key's session may look, not act.
    const third = await signIn((await createReadKey()) as string);
    const denied = await withCookie(third.cookie, 'POST', '/v1/suppressions', {
      body: { recipient: 'r@example.test' },
      csrf: third.body.csrf_token as string,
    });
    expect(denied.status).toBe(403);
  });

  const createReadKey = async () => stack.createKey(['read']);
});
