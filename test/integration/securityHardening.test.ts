import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort, mongoSpec, provisionTools, startService, stopChild } from '../../devtools/localServices';
import { createApiKey, DEFAULT_PROJECT_ID, ensureProject } from '../../src/accounts/apiKeys';
import { httpAnswer } from '../support/httpAnswer';
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

describe('files the stack creates', () => {
  it('keeps database directories and files to their owner (0700 / 0600)', async () => {
    const tools = provisionTools('mongo');
    if (!tools.mongo) throw new Error('provisioning did not yield a MongoDB-wire server');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sendflow-modes-'));
    const port = await freePort();
    const spec = mongoSpec({
      mongo: tools.mongo,
      port,
      dataDir: path.join(dir, 'data'),
      logFile: path.join(dir, 'logs', 'mongo.log'),
    });
    const server = await startService(spec);
    try {
      const client = new MongoClient(`mongodb://127.0.0.1:${port}/modes`);
      await client.connect();
      await client.db().collection('domains').insertOne({ dkim_private_key: 'secret' });
      await client.close();
    } finally {
      await stopChild(server);
    }
    const modes: [string, number][] = [];
    const walk = (p: string) => {
      modes.push([p, statSync(p).mode & 0o777]);
      if (statSync(p).isDirectory()) for (const f of readdirSync(p)) walk(path.join(p, f));
    };
    walk(path.join(dir, 'data'));
    walk(path.join(dir, 'logs'));
    expect(modes.length).toBeGreaterThan(3);
    expect(modes.filter(([, mode]) => (mode & 0o077) !== 0)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('SMTP routes and webhooks never reach internal addresses', () => {
  it('refuses routes and webhooks to internal addresses, NAT64 and IPv4-compatible forms included', async () => {
    for (const host of [
      '127.0.0.1',
      '[64:ff9b::7f00:1]',
      '[::127.0.0.1]',
      '[::ffff:7f00:1]',
      'localhost',
      '10.0.0.5',
    ]) {
      const route = await stack.request('POST', '/v1/routes', {
        body: { name: `r${Math.random().toString(36).slice(2, 8)}`, url: `smtp://${host}:4198` },
      });
      expect(route.status).toBe(422);
      expect(JSON.stringify(await route.json())).toMatch(/internal address/);
    }
    for (const host of ['[64:ff9b::7f00:1]', '[::127.0.0.1]']) {
      const hook = await stack.request('POST', '/v1/webhooks', { body: { url: `http://${host}:8080/hook` } });
      expect(hook.status).toBe(422);
    }
  });

  it('checks the address a route name resolves to at every connection, and never dials an internal one', async () => {
    let connections = 0;
    const internal = net.createServer((socket) => {
      connections++;
      socket.end('220 internal service\r\n');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    const port = (internal.address() as net.AddressInfo).port;
    try {
      // As a route stored before the check, or whose name resolves differently since.
      await stack.database.collections.routes.insertOne({
        _id: 'rte_internal',
        project_id: stack.projectId,
        name: 'sneaky',
        type: 'relay',
        url: `smtp://localhost:${port}`,
        tls: 'none',
        pool_size: 1,
        position: 0,
        match: { recipient_domains: ['ssrf.test'] },
        created_at: new Date(),
      });
      const { messageId } = await stack.sendMessage({
        from: 'app@acme.test',
        recipient: 'x@ssrf.test',
        subject: 's',
        text: 't',
      });
      const message = await stack.waitForStatus(messageId, ['delivered', 'deferred']);
      expect(connections).toBe(0);
      // A temporary failure (the name may resolve elsewhere later), with the reason on record.
      expect(message).toMatchObject({
        status: 'deferred',
        last_smtp: {
          route: 'sneaky',
          response: expect.stringMatching(/localhost resolves to 127\.0\.0\.1, an internal address/),
        },
      });
    } finally {
      internal.close();
    }
  });
});

describe('one client cannot degrade everyone', () => {
  it('limits requests without a valid key per address, and never limits the health endpoints', async () => {
    const limited = await startTestStack({ SENDFLOW_FAILED_AUTH_PER_MINUTE: '20' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++)
        statuses.push((await limited.request('GET', '/v1/messages', { key: 'sf_live_guess' })).status);
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
      expect((await limited.request('GET', '/readyz', { key: null })).status).toBe(200);
      expect((await limited.request('GET', '/healthz', { key: null })).status).toBe(200);
      // A valid key from the same address is counted on its own.
      expect((await limited.request('GET', '/v1/messages')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('counts failed requests by the client address the trusted proxies report', async () => {
    const proxied = await startTestStack({
      SENDFLOW_FAILED_AUTH_PER_MINUTE: '3',
      SENDFLOW_TRUST_PROXY: 'loopback',
    });
    try {
      const from = async (address: string) =>
        (
          await proxied.request('GET', '/v1/messages', {
            key: 'sf_live_guess',
            headers: { 'X-Forwarded-For': address },
          })
        ).status;
      const first: number[] = [];
      for (let i = 0; i < 4; i++) first.push(await from('203.0.113.7'));
      expect(first).toEqual([401, 401, 401, 429]);
      expect(await from('198.51.100.2')).toBe(401);
    } finally {
      await proxied.close();
    }
  });

  it('caps the live event streams one key holds open', async () => {
    const capped = await startTestStack({ SENDFLOW_MAX_STREAMS_PER_KEY: '2' });
    const controllers = [new AbortController(), new AbortController()];
    try {
      const open = (signal?: AbortSignal) =>
        fetch(`${capped.baseUrl}/v1/events/stream`, {
          headers: { authorization: `Bearer ${capped.apiKey}` },
          signal,
        });
      const streams = await Promise.all(controllers.map((c) => open(c.signal)));
      expect(streams.map((r) => r.status)).toEqual([200, 200]);
      const third = await open();
      expect(third.status).toBe(429);
      expect(((await third.json()) as Json).message).toMatch(/at most 2/);
      const otherKey = await capped.createKey(['read']);
      const other = new AbortController();
      const fromOther = await fetch(`${capped.baseUrl}/v1/events/stream`, {
        headers: { authorization: `Bearer ${otherKey}` },
        signal: other.signal,
      });
      expect(fromOther.status).toBe(200);
      other.abort();
      controllers[0].abort();
      let reopened = 429;
      for (let i = 0; i < 50 && reopened === 429; i++) {
        await new Promise((r) => setTimeout(r, 100));
        controllers[0] = new AbortController();
        const attempt = await open(controllers[0].signal);
        reopened = attempt.status;
        if (reopened === 429) await attempt.text();
      }
      expect(reopened).toBe(200);
    } finally {
      for (const c of controllers) c.abort();
      await capped.close();
    }
  });

  /** A send whose body the test writes piece by piece, as a slow client's upload arrives. */
  const slowSend = (baseUrl: string, key: string, head: string) => {
    const url = new URL(`${baseUrl}/v1/messages`);
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
    });
    const answer = httpAnswer(req);
    req.write(head);
    return { req, answer };
  };
  const attachmentHead = (recipient: string) =>
    `{"from":"app@acme.test","recipient":"${recipient}","subject":"Large","text":"See attached",` +
    '"attachments":[{"filename":"big.bin","content_type":"application/octet-stream","content":"';
  const bytes = (n: number, seed: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));
  const chunkCount = () => stack.database.collections.attachmentFiles.chunks.countDocuments({});

  it('streams a large attachment into storage while it arrives and delivers it byte for byte', async () => {
    const payload = bytes(3 * 1024 * 1024 + 5, 7);
    const b64 = payload.toString('base64');
    const before = await chunkCount();
    const send = slowSend(stack.baseUrl, stack.apiKey, attachmentHead('large@example.test'));
    send.req.write(b64.slice(0, 2_000_000));
    // The first two megabytes are decoded and stored before the body has ended.
    let stored = before;
    for (let i = 0; i < 100 && stored === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stored = await chunkCount();
    }
    expect(stored).toBeGreaterThan(before);
    send.req.end(`${b64.slice(2_000_000)}"}]}`);
    const answer = await send.answer;
    expect(answer.status).toBe(202);
    await stack.waitForStatus(answer.body.message_id as string, ['delivered']);
    const mail = stack.sink.received.find((m) => m.envelopeTo.includes('large@example.test'));
    expect(mail?.parsed.attachments[0].content.equals(payload)).toBe(true);
    const file = await stack.database.collections.attachmentFiles.files.findOne({ length: payload.length });
    expect((file as unknown as { metadata: Json }).metadata).toMatchObject({
      message_id: answer.body.message_id,
    });
  });

  it('keeps nothing of a large attachment whose request is cut off, or whose base64 is broken', async () => {
    const before = await chunkCount();
    const b64 = bytes(2 * 1024 * 1024, 3).toString('base64');
    const cut = slowSend(stack.baseUrl, stack.apiKey, attachmentHead('cut@example.test'));
    cut.req.write(b64.slice(0, 1_500_000));
    await new Promise((r) => setTimeout(r, 500));
    cut.req.destroy();
    const broken = slowSend(stack.baseUrl, stack.apiKey, attachmentHead('broken@example.test'));
    broken.req.end(`${b64.slice(0, 1_000_000)}!!${b64.slice(1_000_000)}"}]}`);
    const answer = await broken.answer;
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { field: 'attachments.0.content', message: 'must be base64 of at least one byte' },
    ]);
    let left = -1;
    for (let i = 0; i < 100 && left !== before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await chunkCount();
    }
    expect(left).toBe(before);
    const c = stack.database.collections;
    expect(
      await c.messages.countDocuments({ recipient: { $in: ['cut@example.test', 'broken@example.test'] } }),
    ).toBe(0);
  });

  it('reads at most the configured number of large bodies at once; the next waits its turn', async () => {
    const bounded = await startTestStack({ SENDFLOW_MAX_LARGE_BODIES: '2' });
    try {
      const b64 = bytes(1536 * 1024, 1).toString('base64');
      const held = [0, 1].map((i) => {
        const s = slowSend(bounded.baseUrl, bounded.apiKey, attachmentHead(`held${i}@example.test`));
        s.req.write(b64.slice(0, 1000));
        return s;
      });
      await new Promise((r) => setTimeout(r, 300));
      const third = slowSend(bounded.baseUrl, bounded.apiKey, attachmentHead('third@example.test'));
      third.req.end(`${b64}"}]}`);
      // A small request is never held back by large ones.
      expect((await bounded.request('GET', '/v1/messages?limit=1')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1000));
      held[0].req.end(`${b64.slice(1000)}"}]}`);
      const first = await held[0].answer;
      const waited = await third.answer;
      expect([first.status, waited.status]).toEqual([202, 202]);
      // The third was read only once a slot was free.
      expect(waited.at).toBeGreaterThanOrEqual(first.at);
      held[1].req.end(`${b64.slice(1000)}"}]}`);
      expect((await held[1].answer).status).toBe(202);
    } finally {
      await bounded.close();
    }
  });
});
