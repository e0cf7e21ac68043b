import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureBuiltDist } from '../support/builtDist';
import { spawnBuilt, stackProcessEnv, startApiProcess } from '../support/builtProcesses';
import { startTestStack, type TestStack } from '../support/testStack';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: OtlpValue }[];
}
interface CollectedSpan extends OtlpSpan {
  service: string;
}

/**
 * A local OTLP/HTTP collector: takes what exporters POST to /v1/traces (JSON encoding) and
 * keeps every span with the service that sent it.
 */
async function startCollector(): Promise<{ url: string; spans: CollectedSpan[]; server: Server }> {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: OtlpValue }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          const service =
            rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

describe('traces', () => {
  let stack: TestStack;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    ensureBuiltDist();
    stack = await startTestStack({}, { noWorkers: true });
    collector = await startCollector();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    collector?.server.close();
    await stack?.close();
  });

  it('follow a send from the HTTP request through the workflow to the SMTP answer, in one trace', async () => {
    const env = stackProcessEnv(stack, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const api = await startApiProcess(env);
    const worker = spawnBuilt('worker/main.js', env);
    children.push(api.child, worker);

    // The caller's own trace continues: its traceparent names the trace.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${api.url}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({
        from: 'app@acme.test',
        recipient: 'traced@example.test',
        subject: 'Hi',
        text: 'Hi',
      }),
    });
    expect(res.status).toBe(202);
    const { message_id: messageId } = (await res.json()) as { message_id: string };
    await stack.waitForStatus(messageId, ['delivered']);

    // Exporters batch for a second; wait until the attempt's span has arrived.
    const inTrace = () => collector.spans.filter((s) => s.traceId === traceId);
    for (let i = 0; i < 100 && !inTrace().some((s) => s.name === 'RunActivity:sendAttempt'); i++)
      await new Promise((r) => setTimeout(r, 100));
    const spans = inTrace();
    const byName = (name: string) => spans.find((s) => s.name === name);

    const request = byName('POST /v1/messages');
    expect(request).toMatchObject({ service: 'sendflow-api', parentSpanId: '00f067aa0ba902b7' });
    expect(attr(request as OtlpSpan, 'http.response.status_code')).toBe(202);
    const start = byName('StartWorkflow:deliverMessage');
    expect(start).toMatchObject({ service: 'sendflow-api', parentSpanId: request?.spanId });
    const run = byName('RunWorkflow:deliverMessage');
    expect(run).toMatchObject({ service: 'sendflow-worker', parentSpanId: start?.spanId });
    const attempt = byName('RunActivity:sendAttempt');
    expect(attempt).toMatchObject({ service: 'sendflow-worker' });
    // The attempt hangs under the workflow run (through its StartActivity span).
    const scheduled = spans.find((s) => s.spanId === attempt?.parentSpanId);
    expect(scheduled?.name).toBe('StartActivity:sendAttempt');
    expect(scheduled?.parentSpanId).toBe(run?.spanId);
    expect(attr(attempt as OtlpSpan, 'sendflow.message_id')).toBe(messageId);
    expect(attr(attempt as OtlpSpan, 'sendflow.outcome')).toBe('delivered');
    expect(attr(attempt as OtlpSpan, 'smtp.response.code')).toBe(250);
    // Request paths can hold addresses: no span is named after one.
    expect(spans.filter((s) => s.name.includes('@'))).toEqual([]);
  });
});
