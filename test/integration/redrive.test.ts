import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Redrive', text: 'Hi' };
const down = { code: 451, message: '4.4.1 Relay unavailable, try again later' };

describe('bulk re-drive', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Rungs of ten minutes: only the re-drive explains a quick second attempt.
    stack = await startTestStack({ SENDFLOW_RETRY_SCHEDULE: '10m,10m' });
  });
  afterAll(async () => {
    await stack?.close();
  });
  const json = async (res: Response) => (await res.json()) as Json;
  const waitOperation = async (id: string, until: (op: Json) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const op = await json(await stack.request('GET', `/v1/operations/${id}`));
      if (until(op)) return op;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`operation ${id} did not get there`);
  };
  const deferAll = async (recipients: string[]) => {
    for (const r of recipients) stack.sink.replyForRecipient(r, down, 1);
    const sent = await Promise.all(recipients.map((recipient) => stack.sendMessage({ ...base, recipient })));
    for (const s of sent) await stack.waitForStatus(s.messageId, ['deferred']);
    return sent.map((s) => s.messageId);
  };

  it('pushes every deferred message of one recipient domain now, paced, and leaves the others', async () => {
    const slow = await deferAll(['a@gmail.test', 'b@gmail.test', 'c@gmail.test', 'd@gmail.test']);
    const others = await deferAll(['e@other.test', 'f@other.test']);
    const started = Date.now();
    const res = await stack.request('POST', '/v1/operations/redrive', {
      body: { filter: { status: 'deferred', recipient_domain: 'gmail.test' }, rate_per_second: 4 },
    });
    expect(res.status).toBe(202);
    const op = await json(res);
    expect(op).toMatchObject({ type: 'redrive', status: 'running', workflow_id: op.id });
    const done = await waitOperation(op.id as string, (o) => o.status !== 'running');
    expect(done).toMatchObject({ status: 'completed', result: { matched: 4, retried: 4, refused: 0 } });
    // Paced: four pushes at four per second take about a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    for (const id of slow) await stack.waitForStatus(id, ['delivered'], 15_000);
    for (const id of others)
      expect((await json(await stack.request('GET', `/v1/messages/${id}`))).status).toBe('deferred');
  });

  it('can be cancelled, keeping what it already pushed', async () => {
    const ids = await deferAll(['g@slow.test', 'h@slow.test', 'i@slow.test', 'j@slow.test', 'k@slow.test']);
    const res = await stack.request('POST', '/v1/operations/redrive', {
      body: { filter: { recipient_domain: 'slow.test' }, rate_per_second: 1 },
    });
    const op = await json(res);
    await waitOperation(op.id as string, (o) => ((o.progress as Json | null)?.retried as number) >= 1);
    const cancelled = await stack.request('DELETE', `/v1/operations/${op.id}`);
    expect(cancelled.status).toBe(200);
    const ended = await waitOperation(op.id as string, (o) => o.status !== 'running');
    expect(ended.status).toBe('cancelled');
    const statuses = await Promise.all(
      ids.map(async (id) => (await json(await stack.request('GET', `/v1/messages/${id}`))).status),
    );
    expect(statuses.filter((s) => s === 'deferred').length).toBeGreaterThanOrEqual(2);
    expect((await stack.request('DELETE', `/v1/operations/${op.id}`)).status).toBe(409);
  });
});
