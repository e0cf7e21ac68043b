/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { webhookWorkflowId } from '../../src/temporal/webhookWorkflows';
import { launchChromium, screenshot, signIn } from '../support/browser';
import { ensureBuiltDist } from '../support/builtDist';
import { startTestStack, type TestStack } from '../support/testStack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

const base = { from: 'app@acme.test', text: 'Your code is 424242' };

/** A remote image host: counts the requests the preview makes to it. */
async function startImageHost(): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'image/gif' });
    res.end(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pixel.gif`,
    hits: () => hits,
    server,
  };
}

describe('the web console', () => {
  let stack: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ensureBuiltDist();
    [stack, browser] = await Promise.all([
      startTestStack({ SENDFLOW_RETRY_SCHEDULE: '10m' }),
      launchChromium(),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, stack.baseUrl, stack.apiKey);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('serves every console page with a Content-Security-Policy and keeps the key out of the page', async () => {
    for (const p of ['/console', '/console/messages/msg_x', '/console/keys', '/console/assets/app.js']) {
      const res = await fetch(`${stack.baseUrl}${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'sendflow_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.content()).not.toContain(stack.apiKey);
  });

  it('shows a message sent through the API as it arrives and as its status changes, and finds it by recipient', async () => {
    await page.goto(`${stack.baseUrl}/console`);
    await page.waitForSelector('table.messages');
    const { messageId } = await stack.sendMessage({
      ...base,
      recipient: 'live@example.test',
      subject: 'Your sign-in code',
      html: '<h1>Your code</h1><p>424242</p>',
      tags: ['otp'],
    });
    const row = page.locator(`tr[data-message-id="${messageId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.locator('.status-delivered').waitFor({ timeout: 15_000 });
    await stack.sendMessage({ ...base, recipient: 'other@example.test', subject: 'Something else' });
    await page.locator('tr[data-message-id]').nth(1).waitFor({ timeout: 15_000 });
    await screenshot(page, 'messages');

    await page.fill('input[name=recipient]', 'live@example.test');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-message-id]').length === 1);
    expect(await page.locator('tr[data-message-id]').getAttribute('data-message-id')).toBe(messageId);

    await page.fill('input[name=recipient]', '');
    await page.fill('input[name=message_id]', messageId);
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(`**/console/messages/${messageId}`);
    await page.waitForSelector('table.timeline');
  });

  it("opens a message: its timeline with the server's answer and host, a sandboxed preview, the text part and the MIME", async () => {
    const { messageId } = await stack.sendMessage({
      ...base,
      recipient: 'reader@example.test',
      subject: 'Invoice 1043',
      html: '<h1>Invoice 1043</h1><p>Total: 12 EUR</p>',
    });
    await stack.waitForStatus(messageId, ['delivered']);
    await page.goto(`${stack.baseUrl}/console/messages/${messageId}`);
    await page.waitForSelector('table.timeline .status-delivered');
    const timeline = await page.locator('table.timeline tbody').innerText();
    expect(timeline).toMatch(/queued/);
    expect(timeline).toMatch(/250/);
    expect(timeline).toContain('127.0.0.1');
    const frame = page.locator('iframe.preview');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await expect(frame.contentFrame().locator('h1').innerText()).resolves.toBe('Invoice 1043');
    expect(await page.locator('pre.text-part').innerText()).toContain('424242');
    const temporal = await page.locator('a', { hasText: 'Temporal UI' }).getAttribute('href');
    expect(temporal).toMatch(/^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/message-/);
    await screenshot(page, 'message');
    const mime = await page.request.get(`${stack.baseUrl}/v1/messages/${messageId}/mime`);
    expect(mime.headers()['content-type']).toContain('message/rfc822');
    expect(await mime.text()).toContain('Subject: Invoice 1043');
  });

  it('cancels a scheduled message from its page', async () => {
    const { messageId } = await stack.sendMessage({
      ...base,
      recipient: 'later@example.test',
      subject: 'Reminder',
      scheduled_time: new Date(Date.now() + 3600_000).toISOString(),
    });
    await stack.waitForStatus(messageId, ['scheduled']);
    await page.goto(`${stack.baseUrl}/console/messages/${messageId}`);
    await page.click('button:has-text("Cancel")');
    await page.waitForSelector('dl.facts .status-cancelled', { timeout: 15_000 });
    expect(await page.locator('button:has-text("Cancel")').count()).toBe(0);
    expect((await stack.waitForStatus(messageId, ['cancelled'])).status).toBe('cancelled');
  });

  it('retries a deferred message now from its page', async () => {
    stack.sink.replyForRecipient('greylisted@example.test', { code: 451, message: '4.7.1 Greylisted' }, 1);
    const { messageId } = await stack.sendMessage({
      ...base,
      recipient: 'greylisted@example.test',
      subject: 'Code',
    });
    await stack.waitForStatus(messageId, ['deferred']);
    await page.goto(`${stack.baseUrl}/console/messages/${messageId}`);
    await page.waitForSelector('table.timeline .status-deferred');
    expect(await page.locator('table.timeline tbody').innerText()).toContain('4.7.1 Greylisted');
    // The next rung is ten minutes away: only the button explains a second attempt now.
    await page.click('button:has-text("Retry now")');
    await page.waitForSelector('dl.facts .status-delivered', { timeout: 15_000 });
    expect((await stack.waitForStatus(messageId, ['delivered'])).attempts).toBe(2);
  });

  it('adds and removes a suppression', async () => {
    await page.goto(`${stack.baseUrl}/console/suppressions`);
    await page.fill('input[name=add]', 'blocked@example.test');
    await page.click('form.inline button[type=submit]');
    await page.waitForSelector('tr[data-recipient="blocked@example.test"]');
    expect((await stack.request('GET', '/v1/suppressions/blocked@example.test')).status).toBe(200);
    await screenshot(page, 'suppressions');
    await page.click('tr[data-recipient="blocked@example.test"] button:has-text("Remove")');
    await page.waitForSelector('tr[data-recipient="blocked@example.test"]', { state: 'detached' });
    expect((await stack.request('GET', '/v1/suppressions/blocked@example.test')).status).toBe(404);
  });

  it('creates an API key whose secret it shows once, and revokes it', async () => {
    await page.goto(`${stack.baseUrl}/console/keys`);
    await page.fill('input[name=name]', 'billing');
    await page.click('form.inline button[type=submit]');
    const secret = (await page.locator('.notice.secret code').innerText()).trim();
    expect(secret).toMatch(/^sf_live_/);
    expect(
      (await fetch(`${stack.baseUrl}/v1/messages`, { headers: { authorization: `Bearer ${secret}` } }))
        .status,
    ).toBe(403);
    await page.reload();
    await page.waitForSelector('table tbody tr');
    expect(await page.content()).not.toContain(secret);
    await page.locator('tr', { hasText: 'billing' }).locator('button:has-text("Revoke")').click();
    await page.waitForFunction(() => !document.body.innerText.includes('billing'));
    expect(
      (await fetch(`${stack.baseUrl}/v1/messages`, { headers: { authorization: `Bearer ${secret}` } }))
        .status,
    ).toBe(401);
  });

  it('lets a read key see but not act, and signs out a session whose key was revoked', async () => {
    const created = (await (
      await stack.request('POST', '/v1/api-keys', { body: { name: 'viewer', scopes: ['read'] } })
    ).json()) as { id: string; secret: string };
    const { messageId } = await stack.sendMessage({
      ...base,
      recipient: 'viewed@example.test',
      subject: 'Later',
      scheduled_time: new Date(Date.now() + 3600_000).toISOString(),
    });
    const viewer = await browser.newContext();
    try {
      const view = await viewer.newPage();
      await signIn(view, stack.baseUrl, created.secret);
      await view.goto(`${stack.baseUrl}/console/messages/${messageId}`);
      await view.waitForSelector('table.timeline .status-scheduled');
      expect(await view.locator('button:has-text("Cancel")').count()).toBe(0);
      expect(await view.locator('button:has-text("Retry now")').count()).toBe(0);
      expect((await stack.request('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
      await view.goto(`${stack.baseUrl}/console/messages/${messageId}`);
      await view.waitForSelector('input[name=key]');
    } finally {
      await viewer.close();
    }
  });

  it('edits a template with a preview the API renders as one types', async () => {
    const created = await stack.request('POST', '/v1/templates', {
      body: { name: 'welcome', subject: 'Welcome {{name}}', html: '<p>Hello {{name}}</p>' },
    });
    expect(created.status).toBe(201);
    await page.goto(`${stack.baseUrl}/console/templates`);
    await page.click('button.link:has-text("welcome")');
    await page.fill('textarea[name=data]', '{"name":"Ada"}');
    await page.waitForFunction(
      () => document.querySelector('.rendered-subject')?.textContent === 'Welcome Ada',
    );
    await page.fill('input[name=subject]', 'Hi {{name}}, welcome');
    await page.waitForFunction(
      () => document.querySelector('.rendered-subject')?.textContent === 'Hi Ada, welcome',
    );
    await screenshot(page, 'templates');
  });

  it('shows sender domains with their DNS records, and analytics', async () => {
    expect((await stack.request('POST', '/v1/domains', { body: { name: 'mail.acme.test' } })).status).toBe(
      201,
    );
    await page.goto(`${stack.baseUrl}/console/domains`);
    await page.waitForSelector('[data-domain="mail.acme.test"] td.record-value');
    expect(await page.locator('[data-domain="mail.acme.test"] tbody tr').count()).toBe(2);
    await screenshot(page, 'domains');
    await page.goto(`${stack.baseUrl}/console/analytics`);
    await page.waitForSelector('.chart canvas');
    expect(await page.locator('dl.rates').innerText()).toMatch(/Sent\s+\d+/);
    await screenshot(page, 'analytics');
  });

  it('keeps a script in subject, recipient name, metadata and HTML inert, and remote images blocked until asked', async () => {
    const images = await startImageHost();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss();
    });
    try {
      const payload = '<img src=x onerror="window.top.__xss=1;alert(1)"><script>window.top.__xss=1</script>';
      const { messageId } = await stack.sendMessage({
        ...base,
        recipient: 'Eve onmouseover=alert(1) <xss@example.test>',
        subject: `Hi ${payload}`,
        metadata: { note: payload },
        tags: ['xss'],
        html: `<p>Hello</p>${payload}<img id="remote" src="${images.url}"><a href="javascript:window.top.__xss=1">x</a>`,
      });
      await stack.waitForStatus(messageId, ['delivered']);
      await page.goto(`${stack.baseUrl}/console`);
      await page.locator(`tr[data-message-id="${messageId}"]`).waitFor({ timeout: 15_000 });
      expect(await page.locator(`tr[data-message-id="${messageId}"] td.subject`).innerText()).toContain(
        '<script>',
      );
      await page.goto(`${stack.baseUrl}/console/messages/${messageId}`);
      await page.waitForSelector('table.timeline .status-delivered');
      const preview = page.locator('iframe.preview').contentFrame();
      await preview.locator('p').first().waitFor();
      await new Promise((r) => setTimeout(r, 500));
      expect(images.hits()).toBe(0);
      await page.click('button:has-text("Load remote images")');
      await page.waitForFunction(() =>
        document.querySelector('iframe.preview')?.getAttribute('src')?.includes('images=true'),
      );
      for (let i = 0; i < 50 && images.hits() === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(images.hits()).toBeGreaterThan(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(dialogs).toEqual([]);
      const previewAnswer = await page.request.get(`${stack.baseUrl}/v1/messages/${messageId}/preview`);
      expect(previewAnswer.headers()['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
    } finally {
      page.removeAllListeners('dialog');
      images.server.close();
    }
  });

  it('marks test-mode messages, filters them apart from live mail and shows their captured MIME', async () => {
    const testKey = await stack.createKey(['send', 'read'], { testMode: true });
    const sent = await stack.request('POST', '/v1/messages', {
      key: testKey,
      body: { ...base, recipient: 'sandbox@example.test', subject: 'Test-mode mail' },
    });
    const { message_id: testId } = (await sent.json()) as { message_id: string };
    await stack.waitForStatus(testId, ['delivered']);
    await page.goto(`${stack.baseUrl}/console`);
    await page.selectOption('select[name=mode]', 'test');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-message-id]').length === 1);
    expect(await page.locator('tr[data-message-id]').getAttribute('data-message-id')).toBe(testId);
    expect(await page.locator('tr[data-message-id] .badge.test').count()).toBe(1);
    await page.selectOption('select[name=mode]', 'live');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(
      (id) =>
        ![...document.querySelectorAll('tr[data-message-id]')].some(
          (r) => r.getAttribute('data-message-id') === id,
        ),
      testId,
    );
    const mime = await page.request.get(`${stack.baseUrl}/v1/messages/${testId}/mime`);
    expect(await mime.text()).toContain('Subject: Test-mode mail');
  });
});

describe('the web console with a webhook endpoint that was down for a day', () => {
  let stack: TestStack;
  let browser: Browser;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    ensureBuiltDist();
    [stack, browser, receiver] = await Promise.all([
      // Time-skipping: the delivery's day of retries passes in seconds.
      startTestStack({ SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true' }, { timeSkipping: true }),
      launchChromium(),
      startWebhookReceiver(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await stack?.close();
  });

  it('replays a failed delivery', async () => {
    const hook = (await (
      await stack.request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['email.delivered'] },
      })
    ).json()) as { id: string };
    receiver.failNext(1000, 500);
    const { handle, messageId } = await stack.sendMessage({
      ...base,
      recipient: 'hooked@example.test',
      subject: 'Hooked',
    });
    expect(await handle.result()).toBe('delivered');
    const event = await stack.database.collections.events.findOne({
      message_id: messageId,
      type: 'email.delivered',
    });
    const delivery = await stack.database.collections.webhookDeliveries.findOne({ event_id: event?._id });
    const hookRun = stack.temporal.workflow.getHandle(webhookWorkflowId(delivery?._id as string, 0));
    expect(await hookRun.result()).toBe('failed');
    receiver.failNext(0);

    const page = await browser.newPage();
    await signIn(page, stack.baseUrl, stack.apiKey);
    await page.goto(`${stack.baseUrl}/console/webhooks`);
    await page.click(`[data-webhook-id="${hook.id}"] button:has-text("Recent deliveries")`);
    const row = page.locator(`[data-webhook-id="${hook.id}"] tr[data-delivery-id]`).first();
    await row.locator('.delivery-failed').waitFor();
    await screenshot(page, 'webhooks');
    const before = receiver.received.length;
    await row.locator('button:has-text("Replay")').click();
    for (let i = 0; i < 100 && receiver.received.length === before; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.length).toBeGreaterThan(before);
    await page.click(`[data-webhook-id="${hook.id}"] button:has-text("Refresh")`);
    await row.locator('.delivery-succeeded').waitFor({ timeout: 15_000 });
  });
});
