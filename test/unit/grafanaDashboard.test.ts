import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createMetrics } from '../../src/observability/metrics';

const DASHBOARD = path.join(__dirname, '..', '..', 'docs', 'grafana', 'sendflow-dashboard.json');

describe('the Grafana dashboard', () => {
  it('queries only metrics the engine exports', async () => {
    const metrics = createMetrics({ domains: [], process: 'test' });
    metrics.onScrape('sendflow_task_queue_backlog', 'backlog', ['tier'], async () => []);
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const used = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/\bsendflow_\w+/g)].map((m) => m[0])),
    );
    expect(used.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    const unknown = used.filter((name) => !exported.has(name.replace(/_(bucket|count|sum)$/, '')));
    expect(unknown).toEqual([]);
  });
});
