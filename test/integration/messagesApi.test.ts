import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Hello', text: 'Hi there' };

describe('the messages API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const send = async (body: Json, headers?: Record<string, string>) => {
    const res = await stack.request('POST', '/v1/messages', { body, headers });
    return { res, body: (await res.json()) as Json };
  };

  it('sends attachments, small inline and large through GridFS, byte for byte', async () => {
    const small = Buffer.from('%PDF-1.4 tiny invoice');
    const large = Buffer.alloc(700 * 1024, 7);
    const { res, body } = await send({
      ...base,
      recipient: 'files@example.test',
      attachments: [
        { filename: 'invoice.pdf', content: small.toString('base64'), content_type: 'application/pdf' },
        { filename: 'data.bin', content: large.toString('base64') },
      ],
    });
    expect(res.status).toBe(202);
    await stack.waitForStatus(body.message_id as string, ['delivered']);
    const mail = stack.sink.received.find((m) => m.envelopeTo.includes('files@example.test'));
    const parts = mail?.parsed.attachments ?? [];
    expect(parts.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['invoice.pdf', 'application/pdf', small.length],
      ['data.bin', 'application/octet-stream', large.length],
    ]);
    expect(parts[1].content.equals(large)).toBe(true);
    expect(await stack.database.db.collection('attachments.files').countDocuments()).toBe(1);
  });

  it('rejects a body over 50 MB with 413 payload_too_large', async () => {
    const huge = 'A'.repeat(51 * 1024 * 1024);
    const res = await stack.request('POST', '/v1/messages', {
      body: `{"from":"app@acme.test","recipient":"x@example.test","subject":"s","text":"${huge}"}`,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('rejects malformed JSON, a past scheduled_time and an unverified sender domain, storing nothing', async () => {
    const malformed = await stack.request('POST', '/v1/messages', { body: '{"from": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'bad_request' });

    const past = await send({
      ...base,
      recipient: 'past@example.test',
      scheduled_time: '2020-01-01T00:00:00Z',
    });
    expect(past.res.status).toBe(422);
    expect(past.body).toMatchObject({ error: 'validation_failed', errors: [{ field: 'scheduled_time' }] });

    const unverified = await send({ ...base, from: 'ceo@elsewhere.test', recipient: 'u@example.test' });
    expect(unverified.res.status).toBe(422);
    expect(unverified.body).toMatchObject({ error: 'domain_not_verified' });

    const stored = await stack.database.collections.messages.countDocuments({
      recipient: { $in: ['past@example.test', 'u@example.test'] },
    });
    expect(stored).toBe(0);
  });

  it('takes the idempotency key from X-Idempotency-Key or headers.X-Idempotency-Key too', async () => {
    const a = await send({ ...base, recipient: 'idem@example.test' }, { 'X-Idempotency-Key': 'hdr-key-1' });
    const b = await send({ ...base, recipient: 'idem@example.test' }, { 'X-Idempotency-Key': 'hdr-key-1' });
    expect(b.res.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body.message_id).toBe(a.body.message_id);

    const inBody = {
      ...base,
      recipient: 'idem@example.test',
      headers: { 'X-Idempotency-Key': 'custom-key-1' },
    };
    const c = await send(inBody);
    const d = await send(inBody);
    expect(d.body.message_id).toBe(c.body.message_id);
    expect(c.body.message_id).not.toBe(a.body.message_id);
    await stack.waitForStatus(c.body.message_id as string, ['delivered']);
    const mail = stack.sink.received.find(
      (m) => m.parsed.headers.get('x-sendflow-message-id') === c.body.message_id,
    );
    expect(mail?.parsed.headers.has('x-idempotency-key')).toBe(false);
  });

  it('creates exactly one message and one workflow for 20 concurrent requests with one key', async () => {
    const body = { ...base, recipient: 'race@example.test', idempotency_key: 'race-1' };
    const results = await Promise.all(Array.from({ length: 20 }, () => send(body)));
    expect(results.map((r) => r.res.status)).toEqual(Array(20).fill(202));
    expect(new Set(results.map((r) => r.body.message_id)).size).toBe(1);
    expect(results.filter((r) => r.res.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    await stack.waitForStatus(results[0].body.message_id as string, ['delivered']);
    expect(await stack.database.collections.messages.countDocuments({ idempotency_key: 'race-1' })).toBe(1);
    expect(stack.sink.received.filter((m) => m.envelopeTo.includes('race@example.test'))).toHaveLength(1);
  });

  it('processes a batch item by item, in request order, with partial success', async () => {
    const res = await stack.request('POST', '/v1/messages/batch', {
      body: [
        { ...base, recipient: 'b1@example.test' },
        { ...base, recipient: 'not an address' },
        { ...base, from: 'x@unverified.test', recipient: 'b3@example.test' },
        { ...base, recipient: 'b4@example.test', tags: ['batch'] },
      ],
    });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Json[] };
    expect(data.map((d) => d.status)).toEqual([202, 400, 422, 202]);
    expect(data[0]).toMatchObject({ recipient: 'b1@example.test', message_status: 'queued' });
    expect(data[1]).toMatchObject({ error: 'bad_request', errors: [{ field: 'recipient' }] });
    expect(data[2]).toMatchObject({ error: 'domain_not_verified' });
    await stack.waitForStatus(data[3].message_id as string, ['delivered']);
  });

  it('refuses a batch of 501 messages with 400', async () => {
    const res = await stack.request('POST', '/v1/messages/batch', {
      body: Array.from({ length: 501 }, (_, i) => ({ ...base, recipient: `n${i}@example.test` })),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_request' });
    expect(await stack.database.collections.messages.countDocuments({ recipient: 'n0@example.test' })).toBe(
      0,
    );
  });

  it('lists newest first with filters and a cursor that neither repeats nor skips while messages arrive', async () => {
    const tag = `page-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { body } = await send({ ...base, recipient: `list${i}@example.test`, tags: [tag] });
      ids.push(body.message_id as string);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/messages?tag=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await stack.request('GET', q);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: Json[]; has_more: boolean; next_cursor: string | null };
      seen.push(...page.data.map((m) => m.message_id as string));
      cursor = page.next_cursor;
      if (pages++ === 0) await send({ ...base, recipient: 'late@example.test', tags: [tag] });
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const byRecipient = await stack.request('GET', '/v1/messages?recipient=LIST3@example.test');
    expect(((await byRecipient.json()) as { data: Json[] }).data.map((m) => m.message_id)).toEqual([ids[3]]);
    const bad = await stack.request('GET', '/v1/messages?limit=500&status=lost');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Json[] }).errors.map((e) => e.field).sort()).toEqual([
      'query.limit',
      'query.status',
    ]);
  });

  it('cancels a scheduled message so nothing is sent, and refuses to cancel a delivered one', async () => {
    const { body } = await send({
      ...base,
      recipient: 'later@example.test',
      scheduled_time: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(body.status).toBe('scheduled');
    const cancel = await stack.request('DELETE', `/v1/messages/${body.message_id}`);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toEqual({ message_id: body.message_id, status: 'cancelled' });
    const message = await stack.waitForStatus(body.message_id as string, ['cancelled']);
    expect((message.events as Json[]).map((e) => e.event)).toEqual(['email.scheduled', 'email.cancelled']);
    expect(stack.sink.received.some((m) => m.envelopeTo.includes('later@example.test'))).toBe(false);

    const sent = await send({ ...base, recipient: 'now@example.test' });
    await stack.waitForStatus(sent.body.message_id as string, ['delivered']);
    const tooLate = await stack.request('DELETE', `/v1/messages/${sent.body.message_id}`);
    expect(tooLate.status).toBe(404);
    expect(await tooLate.json()).toMatchObject({ error: 'already_sent' });
    expect((await stack.request('DELETE', '/v1/messages/msg_unknown')).status).toBe(404);
  });
});
