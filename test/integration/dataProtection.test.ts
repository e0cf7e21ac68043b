import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { createApiKey, DEFAULT_PROJECT_ID, ensureProject } from '../../src/accounts/apiKeys';
import { Keyring, UnknownKeyError } from '../../src/crypto/keyring';
import { connectDatabase } from '../../src/db/mongo';
import { createLogger } from '../../src/logger';
import { startRelayServer } from '../../src/relay/relayServer';
import { selfSignedPair } from '../../src/relay/relayTls';
import { recipientAttributeHash } from '../../src/temporal/messageWorkflows';
import { sharedServices } from '../support/stackInfo';
import { startTestStack, type TestStack } from '../support/testStack';
import { startWebhookReceiver } from '../support/webhookReceiver';

type Json = Record<string, unknown>;
const KEY = randomBytes(32);
const MARKER = `zq${randomBytes(6).toString('hex')}`;

describe('content encrypted in Temporal', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      SENDFLOW_ENCRYPTION_KEY: KEY.toString('base64'),
      SENDFLOW_HASH_RECIPIENT_ATTRIBUTE: 'true',
      SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The history as Temporal's server holds it: fetched by a client without the codec. */
  const rawHistory = async (workflowId: string) => {
    const plain = new Client({
      connection: stack.temporal.connection,
      namespace: stack.config.TEMPORAL_NAMESPACE,
    });
    return plain.workflow.getHandle(workflowId).fetchHistory();
  };
  type StoredPayload = { path: string; metadata?: Record<string, Uint8Array>; data?: Uint8Array };
  const payloadsOf = (history: unknown): StoredPayload[] => {
    const found: StoredPayload[] = [];
    const walk = (v: unknown, path: string) => {
      if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
      const o = v as Json;
      if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as Json))
        found.push({ ...(o as Omit<StoredPayload, 'path'>), path });
      // Search attributes stay readable by design (Temporal indexes them); checked separately.
      for (const [key, child] of Object.entries(o))
        if (key !== 'searchAttributes') walk(child, `${path}.${key}`);
    };
    walk(history, 'history');
    return found;
  };

  it('keeps the recipient and the content out of the history Temporal stores, and still delivers', async () => {
    const recipient = `${MARKER}@example.test`;
    const { messageId, handle } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient,
      subject: `Code for ${MARKER}`,
      text: `Your code, ${MARKER}`,
    });
    expect(await handle.result()).toBe('delivered');
    const delivered = await stack.waitForStatus(messageId, ['delivered']);
    expect(delivered.recipient).toBe(recipient);

    const history = await rawHistory(handle.workflowId);
    const payloads = payloadsOf(history);
    expect(payloads.length).toBeGreaterThan(5);
    // The SDK's own bookkeeping (patch ids, local-activity marker headers) is not ours to encode.
    const bookkeeping = /markerRecordedEventAttributes\.details\.(data|patch-data)\./;
    // Trace context headers (the OpenTelemetry interceptors') travel in clear: ids, nothing else.
    const traceHeader = /\.header\.fields\._tracer-data$/;
    const traceContext = /^\{"traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"\}$/;
    const decoded = (p: StoredPayload) => Buffer.from((p as { data?: Uint8Array }).data ?? []).toString();
    for (const p of payloads.filter((x) => traceHeader.test(x.path)))
      expect(decoded(p)).toMatch(traceContext);
    const plain = payloads.filter(
      (p) =>
        !bookkeeping.test(p.path) &&
        !traceHeader.test(p.path) &&
        Buffer.from(p.metadata?.encoding ?? []).toString() !== 'binary/encrypted',
    );
    expect(plain.map((p) => p.path)).toEqual([]);
    // Nowhere in the stored history: not in payloads, not in search attributes.
    const everything = JSON.stringify(history, (_k, v) =>
      v instanceof Uint8Array || (v && v.type === 'Buffer') ? Buffer.from(v.data ?? v).toString('latin1') : v,
    );
    expect(everything).not.toContain(MARKER);
    // The recipient attribute holds a keyed hash an operator can search for.
    const hash = recipientAttributeHash(new Keyring(KEY), recipient);
    const ids: string[] = [];
    for (let i = 0; i < 50 && ids.length === 0; i++) {
      for await (const w of stack.temporal.workflow.list({ query: `SendflowRecipient = "${hash}"` }))
        ids.push(w.workflowId);
      if (!ids.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toEqual([handle.workflowId]);
  });

  it('decodes payloads at the codec endpoint for operators (default project admin keys) and nobody else', async () => {
    const { handle } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: `codec-${MARKER}@example.test`,
      subject: 'Codec',
      text: 'Hi',
    });
    await handle.result();
    const encrypted = payloadsOf(await rawHistory(handle.workflowId))[0];
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(encrypted.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
          data: Buffer.from(encrypted.data ?? []).toString('base64'),
        },
      ],
    };
    await ensureProject(stack.database.collections, DEFAULT_PROJECT_ID, 'Default project');
    const operator = (
      await createApiKey(stack.database.collections, {
        projectId: DEFAULT_PROJECT_ID,
        name: 'ops',
        scopes: ['admin'],
      })
    ).secret;
    const decode = (key: string | null) =>
      stack.request('POST', '/codec/decode', { key, body, headers: { origin: 'http://127.0.0.1:8233' } });

    const ok = await decode(operator);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    const decoded = ((await ok.json()) as { payloads: { metadata: Json; data: string }[] }).payloads[0];
    expect(Buffer.from(decoded.metadata.encoding as string, 'base64').toString()).toBe('json/plain');
    expect(Buffer.from(decoded.data, 'base64').toString()).toContain(`codec-${MARKER}@example.test`);

    // A tenant's admin key, a read key of the operator's project, and no key at all.
    expect((await decode(stack.apiKey)).status).toBe(403);
    const reader = (
      await createApiKey(stack.database.collections, {
        projectId: DEFAULT_PROJECT_ID,
        name: 'ro',
        scopes: ['read'],
      })
    ).secret;
    expect((await decode(reader)).status).toBe(403);
    expect((await decode(null)).status).toBe(401);

    // The Temporal UI's browser sends no key: it sends the operator's signed-in session cookie
    // (the UI's "include cross-origin credentials"), which the endpoint accepts like the key.
    const signIn = await stack.request('POST', '/v1/sessions', { key: operator });
    expect(signIn.status).toBe(201);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const fromUi = await fetch(`${stack.baseUrl}/codec/decode`, {
      method: 'POST',
      headers: { cookie, origin: 'http://127.0.0.1:8233', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-credentials')).toBe('true');
    const uiDecoded = ((await fromUi.json()) as { payloads: { data: string }[] }).payloads[0];
    expect(Buffer.from(uiDecoded.data, 'base64').toString()).toContain(`codec-${MARKER}@example.test`);

    // The browser's preflight from the Temporal UI is answered before any key check.
    const preflight = await fetch(`${stack.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8233', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);

    // What the endpoint encodes, it decodes back.
    const round = await stack.request('POST', '/codec/encode', {
      key: operator,
      body: {
        payloads: [
          { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: decoded.data },
        ],
      },
    });
    const encoded = ((await round.json()) as { payloads: { metadata: Json; data: string }[] }).payloads[0];
    expect(Buffer.from(encoded.metadata.encoding as string, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.data, 'base64').toString('latin1')).not.toContain(MARKER);
  });

  it('keeps DKIM keys, route credentials and webhook secrets sealed in the database, and uses them', async () => {
    const c = stack.database.collections;
    const domain = await stack.request('POST', '/v1/domains', { body: { name: 'acme.test' } });
    expect(domain.status).toBe(201);
    const domainId = ((await domain.json()) as Json).id as string;
    const password = `pw${MARKER}`;
    const route = await stack.request('POST', '/v1/routes', {
      body: {
        name: 'partner',
        url: `smtp://relayuser:${password}@relay.partner.test:2525`,
        match: { recipient_domains: ['partner.test'] },
      },
    });
    expect(route.status).toBe(201);
    const routeView = (await route.json()) as Json;
    expect(routeView.url).not.toContain(password);
    const receiver = await startWebhookReceiver();
    try {
      const hook = await stack.request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['email.delivered'] },
      });
      const created = (await hook.json()) as Json;
      expect(String(created.secret)).toMatch(/^whsec_/);

      // At rest: sealed values with the key's id, none of the secrets in clear.
      const stored = JSON.stringify([
        await c.domains.findOne({ _id: domainId }),
        await c.routes.findOne({ _id: routeView.id as string }),
        await c.webhooks.findOne({ _id: created.id as string }),
      ]);
      expect(stored).not.toContain('PRIVATE KEY');
      expect(stored).not.toContain(password);
      expect(stored).not.toContain(String(created.secret).slice(6));
      const keyId = new Keyring(KEY).currentId;
      expect((await c.domains.findOne({ _id: domainId }))?.dkim_private_key).toMatchObject({ kid: keyId });

      // In use: the mail is signed with the sealed DKIM key, the delivery with the sealed secret.
      const { messageId, handle } = await stack.sendMessage({
        from: 'app@acme.test',
        recipient: 'reader@example.test',
        subject: 'Sealed',
        text: 'Hi',
      });
      expect(await handle.result()).toBe('delivered');
      const mail = stack.sink.received.find((m) => m.envelopeTo.includes('reader@example.test'));
      expect(mail?.raw).toMatch(/DKIM-Signature:[\s\S]*d=acme\.test/);
      const [delivery] = await receiver.waitFor(1);
      const verified = new Webhook(created.secret as string).verify(delivery.body, {
        'webhook-id': delivery.headers['webhook-id'] as string,
        'webhook-timestamp': delivery.headers['webhook-timestamp'] as string,
        'webhook-signature': delivery.headers['webhook-signature'] as string,
      }) as { data: Json };
      expect(verified.data.message_id).toBe(messageId);
    } finally {
      await receiver.close();
    }

    // Started without the key, or with another one, the process refuses and names the key.
    const keyId = new Keyring(KEY).currentId;
    await expect(connectDatabase(stack.config.MONGODB_URI)).rejects.toThrow(keyId);
    const other = new Keyring(randomBytes(32));
    await expect(connectDatabase(stack.config.MONGODB_URI, { keyring: other })).rejects.toThrow(
      UnknownKeyError,
    );
    // With the key as a previous one beside a new current key, everything still opens.
    const rotated = await connectDatabase(stack.config.MONGODB_URI, {
      keyring: new Keyring(randomBytes(32), [KEY]),
    });
    try {
      const dom = await rotated.collections.domains.findOne({ _id: domainId });
      const pem = rotated.collections.sealer.open(dom?.dkim_private_key as string, [
        'domains',
        domainId,
        'dkim_private_key',
      ]);
      expect(pem).toContain('PRIVATE KEY');
      // Sealed for one document, a value does not open in another.
      expect(() =>
        rotated.collections.sealer.open(dom?.dkim_private_key as string, [
          'domains',
          'dom_other',
          'dkim_private_key',
        ]),
      ).toThrow();
    } finally {
      await rotated.close();
    }
  });

  it('leaves no trace of the content in the database files on disk', async () => {
    const services = sharedServices();
    if (services.mongoKind !== 'ferretdb') throw new Error("this check reads FerretDB's SQLite files");
    const secret = `disk${randomBytes(6).toString('hex')}`;
    const small = Buffer.from(`small attachment ${secret}`);
    const large = Buffer.from(`large attachment ${secret} `.repeat(20_000));
    const { handle } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'disk-reader@example.test',
      subject: `Subject ${secret}`,
      html: `<p>Body ${secret}</p>`,
      text: `Body ${secret}`,
      headers: { 'X-Trace': secret },
      metadata: { order: secret },
      attachments: [
        { filename: 'small.txt', content: small.toString('base64'), content_type: 'text/plain' },
        { filename: 'large.txt', content: large.toString('base64'), content_type: 'text/plain' },
      ],
    });
    expect(await handle.result()).toBe('delivered');
    // A value written in clear, so the scan is known to see what was just written.
    const control = `control${randomBytes(6).toString('hex')}`;
    await stack.database.db.collection('scan_control').insertOne({ note: control });

    const dbName = stack.database.db.databaseName;
    const files = readdirSync(services.mongoDataDir).filter((f) => f.startsWith(`${dbName}.sqlite`));
    expect(files.length).toBeGreaterThan(0);
    const onDisk = Buffer.concat(files.map((f) => readFileSync(path.join(services.mongoDataDir, f))));
    expect(onDisk.includes(control)).toBe(true);
    expect(onDisk.includes(secret)).toBe(false);
    // Binary values are stored as base64 text: neither attachment appears that way either.
    expect(onDisk.includes(small.toString('base64'))).toBe(false);
    expect(onDisk.includes(large.subarray(0, 3000).toString('base64'))).toBe(false);
  });

  it('stores message content sealed and answers it intact through the API, events and delivery', async () => {
    const attachment = Buffer.from(`attached ${MARKER}`);
    const { messageId, handle } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'content@example.test',
      subject: `Subject ${MARKER}`,
      text: `Text ${MARKER}`,
      html: `<p>Html ${MARKER}</p>`,
      headers: { 'X-Campaign': `h-${MARKER}` },
      metadata: { order: `m-${MARKER}` },
      tags: ['sealed-content'],
      attachments: [
        { filename: 'note.txt', content: attachment.toString('base64'), content_type: 'text/plain' },
      ],
    });
    expect(await handle.result()).toBe('delivered');

    // The raw document holds none of it.
    const raw = await stack.database.collections.messages.findOne({ _id: messageId });
    const asStored = JSON.stringify(raw, (_k, v) =>
      v && typeof v === 'object' && v._bsontype === 'Binary' ? Buffer.from(v.buffer).toString('latin1') : v,
    );
    expect(asStored).not.toContain(MARKER);
    expect(raw?.sealed?.summary.kid).toBe(new Keyring(KEY).currentId);

    // The API, the event log and the delivered mail have all of it.
    const view = (await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as Json;
    expect(view).toMatchObject({
      subject: `Subject ${MARKER}`,
      text: `Text ${MARKER}`,
      html: `<p>Html ${MARKER}</p>`,
      metadata: { order: `m-${MARKER}` },
    });
    const list = (await (await stack.request('GET', '/v1/messages?tag=sealed-content')).json()) as {
      data: Json[];
    };
    expect(list.data.map((m) => m.subject)).toEqual([`Subject ${MARKER}`]);
    const events = (await (await stack.request('GET', `/v1/events?message_id=${messageId}`)).json()) as {
      data: { data: Json }[];
    };
    expect(events.data[0].data.metadata).toEqual({ order: `m-${MARKER}` });
    const mail = stack.sink.received.find((m) => m.envelopeTo.includes('content@example.test'));
    expect(mail?.parsed.subject).toBe(`Subject ${MARKER}`);
    expect(mail?.parsed.attachments[0].content.equals(attachment)).toBe(true);
    expect(mail?.raw).toContain(`h-${MARKER}`);
  });

  it('stores large attachments sealed in GridFS, streamed or not, and delivers them byte for byte', async () => {
    // Streamed in by the single send (spooled), and stored whole by the batch.
    const big = (seed: string) => Buffer.from(`${seed} ${MARKER} `.repeat(30_000));
    const single = big('single');
    const batched = big('batched');
    const { messageId, handle } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'large-sealed@example.test',
      subject: 'Large',
      text: 'Attached',
      attachments: [{ filename: 'a.txt', content: single.toString('base64'), content_type: 'text/plain' }],
    });
    const batch = await stack.request('POST', '/v1/messages/batch', {
      body: [
        {
          from: 'app@acme.test',
          recipient: 'large-batch@example.test',
          subject: 'Large',
          text: 'Attached',
          attachments: [
            { filename: 'b.txt', content: batched.toString('base64'), content_type: 'text/plain' },
          ],
        },
      ],
    });
    expect(batch.status).toBe(200);
    expect(await handle.result()).toBe('delivered');
    const batchId = ((await batch.json()) as { data: { message_id: string }[] }).data[0].message_id;
    await stack.waitForStatus(batchId, ['delivered']);

    const files = stack.database.collections.attachmentFiles;
    for (const id of [messageId, batchId]) {
      const file = await files.files.findOne({ 'metadata.message_id': id } as never);
      expect(file?.metadata?.sealed_kid).toBe(new Keyring(KEY).currentId);
      const chunks = await files.chunks.find({ files_id: file?._id }).toArray();
      expect(chunks.length).toBeGreaterThan(1);
      for (const chunk of chunks) expect(Buffer.from(chunk.data.buffer).includes(MARKER)).toBe(false);
    }
    const delivered = (to: string) => stack.sink.received.find((m) => m.envelopeTo.includes(to));
    expect(delivered('large-sealed@example.test')?.parsed.attachments[0].content.equals(single)).toBe(true);
    expect(delivered('large-batch@example.test')?.parsed.attachments[0].content.equals(batched)).toBe(true);
  });

  it('stores a large SMTP submission sealed in GridFS and relays it byte for byte', async () => {
    const relay = await startRelayServer(
      {
        ...stack.acceptanceDeps,
        config: { ...stack.config, SMTP_RELAY_ALLOW_INSECURE_AUTH: false },
        logger: createLogger('silent', 'test-relay'),
        tls: { ...(await selfSignedPair('relay.acme.test')), selfSigned: true },
      },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const client = nodemailer.createTransport({
        host: '127.0.0.1',
        port: relay.port,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'app', pass: stack.apiKey },
      });
      const attachment = Buffer.from(`relayed ${MARKER} `.repeat(30_000));
      await client.sendMail({
        from: 'app@acme.test',
        to: 'relayed-large@example.test',
        subject: 'Relayed',
        text: 'Attached',
        attachments: [{ filename: 'r.txt', content: attachment }],
      });
      client.close();
      const message = await stack.database.collections.messages.findOne({
        recipient: 'relayed-large@example.test',
      });
      await stack.waitForStatus(message?._id as string, ['delivered']);
      const raw = stack.database.collections.rawMessages;
      const file = await raw.files.findOne({ _id: message?.raw_mime?.gridfs_id });
      expect(file?.metadata?.sealed_kid).toBe(new Keyring(KEY).currentId);
      const chunks = await raw.chunks.find({ files_id: file?._id }).toArray();
      for (const chunk of chunks) expect(Buffer.from(chunk.data.buffer).includes(MARKER)).toBe(false);
      const mail = stack.sink.received.find((m) => m.envelopeTo.includes('relayed-large@example.test'));
      expect(mail?.parsed.attachments[0].content.equals(attachment)).toBe(true);
    } finally {
      await relay.close();
    }
  });

  it('erases a recipient: their content and address are gone everywhere, and their unsubscribe still holds', async () => {
    const who = `erase-${MARKER}@example.test`;
    const sent = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: `"Erin" <${who}>`,
      subject: `About ${who}`,
      text: `Dear ${who}`,
      metadata: { email: who },
      attachments: [
        {
          filename: 'statement.txt',
          content: Buffer.from(`for ${who} `.repeat(20_000)).toString('base64'),
          content_type: 'text/plain',
        },
      ],
    });
    expect(await sent.handle.result()).toBe('delivered');
    const kept = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'keep@example.test',
      subject: 'Stays',
      text: 'Hi',
    });
    await kept.handle.result();
    expect((await stack.request('POST', '/v1/unsubscribes', { body: { recipient: who } })).status).toBe(201);

    const res = await stack.request('DELETE', `/v1/recipients/${encodeURIComponent(who)}`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as Json;
    expect(report).toMatchObject({ messages: 1, files: 1, suppression_kept: true });
    expect(report.recipient).toMatch(/^erased:[0-9a-f]{32}$/);
    expect(report.events).toBe(3);

    // No document of any collection mentions the address any more.
    const db = stack.database.db;
    const mentions: string[] = [];
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find({}).toArray()) {
        const text = JSON.stringify(doc, (_k, v) =>
          v && typeof v === 'object' && v._bsontype === 'Binary'
            ? Buffer.from(v.buffer).toString('latin1')
            : v,
        );
        if (text.includes(who)) mentions.push(`${name}:${String(doc._id)}`);
      }
    }
    expect(mentions).toEqual([]);
    const erased = (await (await stack.request('GET', `/v1/messages/${sent.messageId}`)).json()) as Json;
    expect(erased).toMatchObject({ recipient: report.recipient, subject: '', metadata: {} });
    const other = (await (await stack.request('GET', `/v1/messages/${kept.messageId}`)).json()) as Json;
    expect(other).toMatchObject({ recipient: 'keep@example.test', subject: 'Stays' });

    // The unsubscribe is honoured for the address, though the list only holds its hash.
    const marketing = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: who,
      subject: 'Offer',
      text: 'Hi',
      message_type: 'marketing',
    });
    expect(await marketing.handle.result()).toBe('suppressed');
    // Erasing again finds nothing more, and a bad address is refused.
    const again = (await (
      await stack.request('DELETE', `/v1/recipients/${encodeURIComponent(who)}`)
    ).json()) as Json;
    expect(again).toMatchObject({ messages: 1, suppression_kept: true });
    expect((await stack.request('DELETE', '/v1/recipients/not-an-address')).status).toBe(400);
  });

  it('seals the MIME a test-mode send captures', async () => {
    const testKey = await stack.createKey(['send'], { testMode: true });
    const res = await stack.request('POST', '/v1/messages', {
      key: testKey,
      body: {
        from: 'app@acme.test',
        recipient: 'captured@example.test',
        subject: `Captured ${MARKER}`,
        text: 'Hi',
      },
    });
    const { message_id } = (await res.json()) as { message_id: string };
    await stack.waitForStatus(message_id, ['delivered']);
    const captured = await stack.database.collections.testDeliveries.findOne({ message_id });
    expect(JSON.stringify(captured)).not.toContain(MARKER);
    const opened = stack.database.collections.sealer.open(captured?.raw ?? '', [
      'test_deliveries',
      captured?._id ?? '',
      'raw',
    ]);
    expect(opened).toMatch(new RegExp(`^Subject: Captured ${MARKER}$`, 'm'));
  });
});
