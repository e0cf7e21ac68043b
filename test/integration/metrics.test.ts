import { startTestStack, type TestStack } from '../support/testStack';

const TOKEN = 'scrape-token-0123456789';
const base = { from: 'app@acme.test', subject: 'Metrics', text: 'Hi' };

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text format, one sample per line (comments skipped). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
      );
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

describe('/metrics', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ SENDFLOW_METRICS_TOKEN: TOKEN, SENDFLOW_METRICS_DOMAINS: 'example.test' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parse(await res.text());
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      ?.value;

  it('counts a known mix of outcomes by status, route and recipient domain', async () => {
    stack.sink.replyForRecipient('gone@example.test', { code: 550, message: '5.1.1 No such user' });
    await stack.request('POST', '/v1/suppressions', { body: { recipient: 'blocked@example.test' } });
    const recipients = [
      'a@example.test',
      'b@example.test',
      'c@example.test',
      'gone@example.test',
      'blocked@example.test',
      'someone@elsewhere.test',
    ];
    const sent = await Promise.all(recipients.map((recipient) => stack.sendMessage({ ...base, recipient })));
    const results = await Promise.all(sent.map((s) => s.handle.result()));
    expect(results).toEqual(['delivered', 'delivered', 'delivered', 'bounced', 'suppressed', 'delivered']);

    const samples = await scrape();
    const final = 'sendflow_messages_final_total';
    expect(
      value(samples, final, { status: 'delivered', route: 'default', recipient_domain: 'example.test' }),
    ).toBe(3);
    expect(value(samples, final, { status: 'delivered', route: 'default', recipient_domain: 'other' })).toBe(
      1,
    );
    expect(
      value(samples, final, { status: 'bounced', route: 'default', recipient_domain: 'example.test' }),
    ).toBe(1);
    expect(
      value(samples, final, { status: 'suppressed', route: 'none', recipient_domain: 'example.test' }),
    ).toBe(1);
    // Statuses on the way (queued, accepted) are not counted as outcomes.
    expect(
      samples.filter((s) => s.name === final && ['queued', 'accepted'].includes(s.labels.status)),
    ).toEqual([]);

    expect(value(samples, 'sendflow_accept_seconds_count', { status_code: '202' })).toBe(6);
    expect(value(samples, 'sendflow_send_attempt_seconds_count', { result: 'delivered' })).toBe(4);
    expect(value(samples, 'sendflow_send_attempt_seconds_count', { result: 'bounced' })).toBe(1);
    for (const tier of ['high', 'normal', 'low', 'webhooks', 'operations'])
      expect(value(samples, 'sendflow_task_queue_backlog', { tier })).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'sendflow_process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });

  it('wants the scrape token when one is configured', async () => {
    expect((await fetch(`${stack.baseUrl}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
  });
});
