import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { httpAnswer } from '../support/httpAnswer';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Hello', text: 'Hi there' };

/** Fixed one-minute windows: start a rate-limit scenario well inside one. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
}

describe('cross-cutting API behaviour', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ SENDFLOW_VERIFY_MX: 'true' });
    stack.dns.setMx('example.test', [{ exchange: 'mx.example.test', priority: 10 }]);
    stack.dns.setMx('nullmx.test', [{ exchange: '', priority: 0 }]);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('counts one rate limit per key across two API processes and answers 429 with Retry-After', async () => {
    await awayFromMinuteBoundary();
    const created = (await (
      await stack.request('POST', '/v1/api-keys', {
        body: { name: 'limited', scopes: ['read'], rate_limit_per_minute: 5 },
      })
    ).json()) as Json;
    const key = created.secret as string;
    const second = await stack.startExtraApi();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const url = `${i % 2 === 0 ? stack.baseUrl : second}/v1/messages?limit=1`;
      last = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      statuses.push(last.status);
      if (i === 0) expect(last.headers.get('x-ratelimit-remaining')).toBe('4');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.headers.get('x-ratelimit-limit')).toBe('5');
    expect(last?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(last?.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(await last?.json()).toMatchObject({ error: 'too_many_requests' });
  });

  it('counts concurrent requests on two API processes exactly: 20 of 30 pass a limit of 20', async () => {
    await awayFromMinuteBoundary();
    const created = (await (
      await stack.request('POST', '/v1/api-keys', {
        body: { name: 'burst', scopes: ['read'], rate_limit_per_minute: 20 },
      })
    ).json()) as Json;
    const second = await stack.startExtraApi();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${i % 2 ? second : stack.baseUrl}/v1/messages?limit=1`, {
          headers: { authorization: `Bearer ${created.secret}` },
        }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });

  it('puts rate-limit headers and a request id on every limited response, errors included', async () => {
    // Health endpoints are never limited, so they carry a request id and no limit headers.
    const health = await stack.request('GET', '/healthz', { key: null });
    expect(health.headers.get('x-request-id')).toBeTruthy();
    expect(health.headers.get('x-ratelimit-limit')).toBeNull();
    for (const res of [
      await stack.request('GET', '/v1/messages', { key: null }),
      await stack.request('GET', '/v1/nothing-here'),
      await stack.request('GET', '/v1/messages'),
    ]) {
      expect(res.headers.get('x-ratelimit-limit')).toBeTruthy();
      expect(res.headers.get('x-ratelimit-remaining')).toBeTruthy();
      expect(res.headers.get('x-ratelimit-reset')).toBeTruthy();
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    const echoed = await stack.request('GET', '/v1/messages', { headers: { 'X-Request-Id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const err = await stack.request('GET', '/v1/messages/msg_missing', {
      headers: { 'X-Request-Id': 'trace-456' },
    });
    expect(await err.json()).toMatchObject({ error: 'not_found', request_id: 'trace-456' });
  });

  it('reports readiness of MongoDB and Temporal', async () => {
    const res = await stack.request('GET', '/readyz', { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { mongodb: { ok: true }, temporal: { ok: true } },
    });
  });

  it('rejects recipients whose domain has no MX when SENDFLOW_VERIFY_MX is on', async () => {
    for (const recipient of ['someone@nowhere.test', 'someone@nullmx.test']) {
      const res = await stack.request('POST', '/v1/messages', { body: { ...base, recipient } });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        error: 'invalid_recipient',
        errors: [{ field: 'recipient' }],
      });
    }
    const ok = await stack.request('POST', '/v1/messages', {
      body: { ...base, recipient: 'someone@example.test' },
    });
    expect(ok.status).toBe(202);
  });

  it('serves a valid OpenAPI 3.1 document generated from the schemas, covering every endpoint', async () => {
    const res = await stack.request('GET', '/openapi.json', { key: null });
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, Json>> };
    expect(doc.openapi).toBe('3.1.0');
    const verdict = JSON.parse(
      execFileSync(process.execPath, [path.join(__dirname, '..', 'support', 'validateOpenApi.mjs')], {
        input: JSON.stringify(doc),
        encoding: 'utf8',
      }),
    );
    expect(verdict).toEqual({ valid: true, version: '3.1', errors: [] });
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /v1/messages',
        'POST /v1/messages/batch',
        'GET /v1/messages',
        'GET /v1/messages/{id}',
        'DELETE /v1/messages/{id}',
        'POST /v1/api-keys',
        'DELETE /v1/api-keys/{id}',
        'POST /v1/domains/{id}/verify',
        'POST /v1/templates/{id}/render',
        'PUT /v1/templates/{id}',
        'GET /v1/unsubscribes',
        'DELETE /v1/suppressions/{recipient}',
      ]),
    );
    // Every operation has its own stable operationId, for code generators.
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id as string))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/messages'].post.operationId).toBe('sendMessage');
    expect(doc.paths['/v1/webhooks/{id}'].patch.operationId).toBe('updateWebhook');

    // Bodies are named components; the send says what a send really requires.
    const components = (doc as unknown as { components: { schemas: Record<string, Json> } }).components
      .schemas;
    const send = doc.paths['/v1/messages'].post as {
      requestBody: { content: Record<string, { schema: Json }> };
    };
    expect(send.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/SendMessageRequest',
    });
    const sendSchema = components.SendMessageRequest;
    expect(Object.keys(sendSchema.properties as Json)).toEqual(
      expect.arrayContaining(['from', 'recipient', 'scheduled_time', 'attachments']),
    );
    expect(JSON.stringify(sendSchema.allOf)).toContain('{"required":["recipient"]}');
    expect(components.CreateTemplateRequest.anyOf).toEqual([{ required: ['html'] }, { required: ['text'] }]);
    expect(Object.keys(components)).toEqual(
      expect.arrayContaining(['Error', 'SendexError', 'TeamRestError']),
    );
    const sendexList = doc.paths['/api/v1/emails'].get as { responses: Record<string, Json> };
    expect(JSON.stringify(sendexList.responses['401'])).toContain('#/components/schemas/SendexError');

    // The live stream is documented as what it is.
    const stream = doc.paths['/v1/events/stream'].get as { responses: Record<string, { content: Json }> };
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it('answers a known path asked with a method it does not serve with 405 and Allow', async () => {
    // fetch refuses to send TRACE; node:http does not.
    const raw = async (method: string, path: string) => {
      const req = http.request(`${stack.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.apiKey}` },
      });
      const answer = httpAnswer(req);
      req.end();
      const { status, headers, body } = await answer;
      return { status, allow: headers.allow, body };
    };
    for (const method of ['TRACE', 'PUT']) {
      const res = await raw(method, '/v1/messages');
      expect(res.status).toBe(405);
      expect(res.allow).toBe('POST, GET, HEAD');
      expect(res.body).toMatchObject({ error: 'method_not_allowed' });
    }
    expect((await raw('TRACE', '/healthz')).status).toBe(405);
    expect((await stack.request('GET', '/v1/nothing-here')).status).toBe(404);
  });

  it('refuses a cursor this API never issued with 422, and a malformed one with 400', async () => {
    const issued = await stack.request('GET', '/v1/messages?cursor=bm90LWEtY3Vyc29y');
    expect(issued.status).toBe(422);
    expect(await issued.json()).toMatchObject({
      error: 'validation_failed',
      errors: [{ field: 'query.cursor' }],
    });
    expect((await stack.request('GET', '/v1/messages?cursor=not%20a%20cursor')).status).toBe(400);
  });

  it('produces each status of the retry guidance from a real request', async () => {
    const readOnly = await stack.createKey(['read']);
    const seen: Record<number, string> = {};
    const record = async (res: Response) => {
      seen[res.status] = ((await res.json()) as Json).error as string;
    };
    await record(await stack.request('POST', '/v1/messages', { body: '{bad json' }));
    await record(await stack.request('GET', '/v1/messages', { key: 'sf_live_wrong' }));
    await record(
      await stack.request('POST', '/v1/messages', {
        key: readOnly,
        body: { ...base, recipient: 'a@example.test' },
      }),
    );
    await record(await stack.request('GET', '/v1/messages/msg_nope'));
    const body = { ...base, recipient: 'a@example.test', idempotency_key: 'guidance-1' };
    await stack.request('POST', '/v1/messages', { body });
    await record(await stack.request('POST', '/v1/messages', { body: { ...body, subject: 'Other' } }));
    await record(
      await stack.request('POST', '/v1/messages', { body: `{"text":"${'x'.repeat(51 * 1024 * 1024)}"}` }),
    );
    await record(
      await stack.request('POST', '/v1/messages', {
        body: { ...base, from: 'a@unverified.test', recipient: 'a@example.test' },
      }),
    );
    await awayFromMinuteBoundary();
    const limited = (await (
      await stack.request('POST', '/v1/api-keys', {
        body: { name: 'l', scopes: ['read'], rate_limit_per_minute: 1 },
      })
    ).json()) as Json;
    await stack.request('GET', '/v1/messages', { key: limited.secret as string });
    await record(await stack.request('GET', '/v1/messages', { key: limited.secret as string }));
    expect(seen).toEqual({
      400: 'bad_request',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'not_found',
      409: 'idempotency_key_reused',
      413: 'payload_too_large',
      422: 'domain_not_verified',
      429: 'too_many_requests',
    });
  });
});
