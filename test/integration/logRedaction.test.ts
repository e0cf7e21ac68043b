import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ensureBuiltDist } from '../support/builtDist';
import { spawnBuilt, stackProcessEnv, startApiProcess } from '../support/builtProcesses';
import { startTestStack, type TestStack } from '../support/testStack';

const MARKER = `lg${randomBytes(6).toString('hex')}`;

/** A process's output, line by line. */
function collectLines(child: ChildProcess): string[] {
  const lines: string[] = [];
  let partial = '';
  const take = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return lines;
}

describe('logs', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    ensureBuiltDist();
    stack = await startTestStack({}, { noWorkers: true });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stack?.close();
  });

  it('carry request, message and workflow ids, and never a body, secret or API key', async () => {
    // Both at debug level, their output kept.
    const debug = stackProcessEnv(stack, {
      SENDFLOW_ROUTES_ALLOW_PRIVATE: 'true',
      SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
      LOG_LEVEL: 'debug',
    });
    const api = await startApiProcess(debug, 'pipe');
    const worker = spawnBuilt('worker/main.js', debug, 'pipe');
    children.push(api.child, worker);
    const apiLines = collectLines(api.child);
    const workerLines = collectLines(worker);
    const { url } = api;
    const call = (method: string, p: string, body?: unknown) =>
      fetch(url + p, {
        method,
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });

    // Content, secrets and keys with the marker go through every path that logs.
    const sent = await call('POST', '/v1/messages', {
      from: 'app@acme.test',
      recipient: 'reader@example.test',
      subject: `Subject ${MARKER}`,
      html: `<p>${MARKER}</p>`,
      headers: { 'X-Trace': MARKER },
      metadata: { order: MARKER },
      attachments: [
        { filename: 'a.txt', content: Buffer.from(MARKER).toString('base64'), content_type: 'text/plain' },
      ],
    });
    expect(sent.status).toBe(202);
    const { message_id: messageId } = (await sent.json()) as { message_id: string };
    const route = await call('POST', '/v1/routes', {
      name: 'partner',
      url: `smtp://user:pw${MARKER}@127.0.0.1:2525`,
      match: { recipient_domains: ['partner.test'] },
    });
    expect(route.status).toBe(201);
    const hook = await call('POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:9/in',
      events: ['email.bounced'],
    });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()) as { secret: string };
    expect((await call('POST', '/v1/messages', `{"subject":"${MARKER}",`)).status).toBe(400);
    expect((await call('POST', '/v1/messages', { from: 'app@acme.test', subject: MARKER })).status).toBe(400);
    const wrongKey = `sf_live_${MARKER}`;
    expect(
      (await fetch(`${url}/v1/messages`, { headers: { authorization: `Bearer ${wrongKey}` } })).status,
    ).toBe(401);
    await stack.waitForStatus(messageId, ['delivered'], 30_000);
    await new Promise((r) => setTimeout(r, 500));

    const all = [...apiLines, ...workerLines];
    expect(all.length).toBeGreaterThan(10);
    for (const forbidden of [MARKER, stack.apiKey, secret.slice(6), wrongKey])
      expect(all.filter((line) => line.includes(forbidden))).toEqual([]);

    // Every request line names its request; every line about the message names it and its workflow.
    const parsed = all.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = parsed.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const r of requests) expect(r.request_id).toEqual(expect.stringMatching(/^req_/));
    expect(
      requests.filter((r) => r.message_id === messageId).map((r) => [r.method, r.path, r.status]),
    ).toEqual([['POST', '/v1/messages', 202]]);
    const aboutMessage = parsed.filter((l) => JSON.stringify(l).includes(messageId));
    expect(aboutMessage.length).toBeGreaterThan(0);
    const workerParsed = workerLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const activityLines = workerParsed.filter((l) => l.activityType !== undefined);
    expect(activityLines.length).toBeGreaterThan(0);
    for (const l of activityLines) expect(l.workflowId).toEqual(expect.any(String));
    const ofMessage = activityLines.filter((l) => l.messageId === messageId);
    expect(ofMessage.map((l) => l.activityType)).toEqual(
      expect.arrayContaining(['sendAttempt', 'writeStatus']),
    );
    for (const l of ofMessage) expect(l.workflowId).toMatch(/^message-/);
  });
});
