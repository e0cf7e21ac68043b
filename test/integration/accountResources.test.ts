import { dkimSignature } from '../support/dkimCheck';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Hello', text: 'Hi there' };

describe('account resources', () => {
  let stack: TestStack;
  let other: TestStack;
  beforeAll(async () => {
    [stack, other] = await Promise.all([startTestStack(), startTestStack()]);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), other?.close()]);
  });

  const json = async (res: Response) => (await res.json()) as Json;

  describe('API keys', () => {
    it('returns the secret once, stores only its hash, and lists keys without secrets', async () => {
      const res = await stack.request('POST', '/v1/api-keys', { body: { name: 'ci', scopes: ['send'] } });
      expect(res.status).toBe(201);
      const created = await json(res);
      expect(created.secret).toMatch(/^sf_live_/);
      const stored = await stack.database.collections.apiKeys.findOne({ _id: created.id as string });
      expect(JSON.stringify(stored)).not.toContain(created.secret as string);
      const list = await json(await stack.request('GET', '/v1/api-keys'));
      expect(JSON.stringify(list)).not.toContain(created.secret as string);
      expect((list.data as Json[]).map((k) => k.id)).toContain(created.id);
    });

    it('lets a send-only key send but not read, and a read key read but not send', async () => {
      const sendKey = await stack.createKey(['send']);
      const readKey = await stack.createKey(['read']);
      const sent = await stack.request('POST', '/v1/messages', {
        key: sendKey,
        body: { ...base, recipient: 's@example.test' },
      });
      expect(sent.status).toBe(202);
      const id = (await json(sent)).message_id;
      expect((await stack.request('GET', `/v1/messages/${id}`, { key: sendKey })).status).toBe(403);
      expect((await stack.request('GET', `/v1/messages/${id}`, { key: readKey })).status).toBe(200);
      const denied = await stack.request('POST', '/v1/messages', {
        key: readKey,
        body: { ...base, recipient: 's@example.test' },
      });
      expect(denied.status).toBe(403);
      expect(await json(denied)).toMatchObject({ error: 'forbidden' });
      expect((await stack.request('GET', '/v1/api-keys', { key: readKey })).status).toBe(403);
    });

    it('restricts a key to its domains with 403 outside them', async () => {
      const key = await stack.createKey(['send'], { domains: ['acme.test'] });
      const ok = await stack.request('POST', '/v1/messages', {
        key,
        body: { ...base, recipient: 'd@example.test' },
      });
      expect(ok.status).toBe(202);
      const outside = await stack.request('POST', '/v1/messages', {
        key,
        body: { ...base, from: 'x@other.test', recipient: 'd@example.test' },
      });
      expect(outside.status).toBe(403);
    });

    it('rejects a revoked key with 401 at once', async () => {
      const created = await json(
        await stack.request('POST', '/v1/api-keys', { body: { name: 'tmp', scopes: ['read'] } }),
      );
      expect((await stack.request('GET', '/v1/messages', { key: created.secret as string })).status).toBe(
        200,
      );
      expect((await stack.request('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
      const after = await stack.request('GET', '/v1/messages', { key: created.secret as string });
      expect(after.status).toBe(401);
    });

    it("never shows or changes another project's data", async () => {
      const { message_id } = await json(
        await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'private@example.test' } }),
      );
      expect((await other.request('GET', `/v1/messages/${message_id}`)).status).toBe(404);
      expect((await other.request('DELETE', `/v1/messages/${message_id}`)).status).toBe(404);
      const list = await json(await other.request('GET', '/v1/messages?recipient=private@example.test'));
      expect(list.data).toEqual([]);
      const keys = await json(await stack.request('GET', '/v1/api-keys'));
      const someKey = (keys.data as Json[])[0].id;
      expect((await other.request('DELETE', `/v1/api-keys/${someKey}`)).status).toBe(404);
    });
  });

  describe('domains', () => {
    it('verifies a domain through DNS, then sends from it signed with its DKIM key and default name', async () => {
      const created = await json(
        await stack.request('POST', '/v1/domains', {
          body: { name: 'mail.brand.test', default_from_name: 'Brand' },
        }),
      );
      expect(created.status).toBe('pending');
      const records = created.records as { purpose: string; name: string; value: string }[];
      expect(records.map((r) => r.purpose)).toEqual(['verification', 'dkim']);

      const early = await stack.request('POST', '/v1/messages', {
        body: { ...base, from: 'hi@mail.brand.test', recipient: 'r@example.test' },
      });
      expect(early.status).toBe(422);

      const failed = await json(await stack.request('POST', `/v1/domains/${created.id}/verify`));
      expect(failed).toMatchObject({
        status: 'pending',
        last_check: { verification_txt: false, dkim_txt: false },
      });

      for (const r of records) stack.dns.setTxt(r.name, [r.value]);
      const verified = await json(await stack.request('POST', `/v1/domains/${created.id}/verify`));
      expect(verified).toMatchObject({
        status: 'verified',
        last_check: { verification_txt: true, dkim_txt: true },
      });

      const sent = await json(
        await stack.request('POST', '/v1/messages', {
          body: { ...base, from: 'hi@mail.brand.test', recipient: 'dkim@example.test' },
        }),
      );
      await stack.waitForStatus(sent.message_id as string, ['delivered']);
      const mail = stack.sink.received.find((m) => m.envelopeTo.includes('dkim@example.test'));
      expect(mail?.parsed.from?.value[0]).toEqual({ name: 'Brand', address: 'hi@mail.brand.test' });

      const dkimRecord = records[1];
      const signature = await dkimSignature(mail?.raw ?? '', 'hi@mail.brand.test', dkimRecord);
      expect(signature.signingDomain).toBe('mail.brand.test');
      expect(signature.status.result).toBe('pass');

      const named = await json(
        await stack.request('POST', '/v1/messages', {
          body: { ...base, from: '"Support" <hi@mail.brand.test>', recipient: 'named@example.test' },
        }),
      );
      await stack.waitForStatus(named.message_id as string, ['delivered']);
      const namedMail = stack.sink.received.find((m) => m.envelopeTo.includes('named@example.test'));
      expect(namedMail?.parsed.from?.value[0].name).toBe('Support');
    });

    it('refuses a duplicate domain and hides domains of other projects', async () => {
      const created = await json(await stack.request('POST', '/v1/domains', { body: { name: 'dup.test' } }));
      expect((await stack.request('POST', '/v1/domains', { body: { name: 'DUP.test' } })).status).toBe(422);
      expect((await other.request('GET', `/v1/domains/${created.id}`)).status).toBe(404);
      expect((await stack.request('DELETE', `/v1/domains/${created.id}`)).status).toBe(200);
      expect((await stack.request('GET', `/v1/domains/${created.id}`)).status).toBe(404);
    });
  });

  describe('templates', () => {
    it('renders with HTML escaping, keeps accepted messages as rendered, and reports missing variables', async () => {
      const created = await stack.request('POST', '/v1/templates', {
        body: {
          name: 'otp-code',
          subject: 'Your code {{code}}',
          html: '<p>Code: <b>{{code}}</b> for {{user}}</p>',
          text: 'Code: {{code}} for {{user}}',
        },
      });
      expect(created.status).toBe(201);
      const tpl = await json(created);

      const preview = await json(
        await stack.request('POST', `/v1/templates/${tpl.id}/render`, {
          body: { template_data: { code: '847291', user: '<Ada & Co>' } },
        }),
      );
      expect(preview).toEqual({
        subject: 'Your code 847291',
        html: '<p>Code: <b>847291</b> for &lt;Ada &amp; Co&gt;</p>',
        text: 'Code: 847291 for <Ada & Co>',
      });

      const missing = await stack.request('POST', '/v1/messages', {
        body: {
          from: base.from,
          recipient: 't@example.test',
          template: 'otp-code',
          template_data: { code: '1' },
        },
      });
      expect(missing.status).toBe(422);
      expect(await json(missing)).toMatchObject({ error: 'template_render_failed' });
      const unknown = await stack.request('POST', '/v1/messages', {
        body: { from: base.from, recipient: 't@example.test', template: 'nope' },
      });
      expect(await json(unknown)).toMatchObject({ error: 'template_not_found' });

      const scheduled = await json(
        await stack.request('POST', '/v1/messages', {
          body: {
            from: base.from,
            recipient: 'tpl@example.test',
            template: 'otp-code',
            template_data: { code: '111111', user: 'Ada' },
            scheduled_time: new Date(Date.now() + 1500).toISOString(),
          },
        }),
      );
      const edited = await stack.request('PUT', `/v1/templates/${tpl.id}`, {
        body: { subject: 'CHANGED {{code}}', text: 'changed', html: null },
      });
      expect(await json(edited)).toMatchObject({ version: 2, html: null, text: 'changed' });

      await stack.waitForStatus(scheduled.message_id as string, ['delivered']);
      const mail = stack.sink.received.find((m) => m.envelopeTo.includes('tpl@example.test'));
      expect(mail?.parsed.subject).toBe('Your code 111111');
      expect(mail?.parsed.text?.trim()).toBe('Code: 111111 for Ada');
    });

    it('refuses a template that does not compile', async () => {
      const res = await stack.request('POST', '/v1/templates', {
        body: { name: 'broken', subject: 'Hi {{#if x}}', text: 't' },
      });
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ errors: [{ field: 'subject' }] });
    });
  });

  describe('suppressions', () => {
    it('blocks every message type for manual entries and only marketing for unsubscribes, case-insensitively', async () => {
      expect(
        (
          await stack.request('POST', '/v1/suppressions', {
            body: { recipient: 'Blocked@Example.test', reason: 'manual' },
          })
        ).status,
      ).toBe(201);
      expect(
        (await stack.request('POST', '/v1/unsubscribes', { body: { recipient: 'optout@example.test' } }))
          .status,
      ).toBe(201);

      const blocked = await json(
        await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'blocked@EXAMPLE.test' } }),
      );
      expect(
        await stack.waitForStatus(blocked.message_id as string, ['suppressed', 'delivered']),
      ).toMatchObject({
        status: 'suppressed',
      });
      const marketing = await json(
        await stack.request('POST', '/v1/messages', {
          body: { ...base, recipient: 'optout@example.test', message_type: 'marketing' },
        }),
      );
      expect(
        (await stack.waitForStatus(marketing.message_id as string, ['suppressed', 'delivered'])).status,
      ).toBe('suppressed');
      const transactional = await json(
        await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'optout@example.test' } }),
      );
      expect(
        (await stack.waitForStatus(transactional.message_id as string, ['suppressed', 'delivered'])).status,
      ).toBe('delivered');

      const unsubscribes = await json(await stack.request('GET', '/v1/unsubscribes'));
      expect((unsubscribes.data as Json[]).map((s) => s.recipient)).toEqual(['optout@example.test']);
      const all = await json(await stack.request('GET', '/v1/suppressions'));
      expect((all.data as Json[]).map((s) => s.recipient).sort()).toEqual([
        'blocked@example.test',
        'optout@example.test',
      ]);
      expect((await stack.request('GET', '/v1/suppressions/BLOCKED@example.test')).status).toBe(200);
      expect((await other.request('GET', '/v1/suppressions/blocked@example.test')).status).toBe(404);

      expect((await stack.request('DELETE', '/v1/suppressions/blocked@example.test')).status).toBe(200);
      const again = await json(
        await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'blocked@example.test' } }),
      );
      expect(
        (await stack.waitForStatus(again.message_id as string, ['suppressed', 'delivered'])).status,
      ).toBe('delivered');
    });
  });
});
