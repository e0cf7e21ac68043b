import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, query } from '../api';
import { ErrorLine } from '../format';

interface Analytics {
  totals: Record<string, number>;
  rates: {
    sent: number;
    delivery_rate: number | null;
    bounce_rate: number | null;
    complaint_rate: number | null;
  };
  series: { start: string; counts: Record<string, number> }[];
}

const SERIES = [
  ['email.delivered', 'delivered', '#2f855a'],
  ['email.bounced', 'bounced', '#c53030'],
  ['email.complained', 'complained', '#b7791f'],
] as const;

const percent = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);

export function AnalyticsPage() {
  const [bucket, setBucket] = useState<'day' | 'hour'>('day');
  const [data, setData] = useState<Analytics>();
  const [error, setError] = useState<unknown>();
  const chart = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const since = new Date(Date.now() - (bucket === 'day' ? 30 : 2) * 86_400_000).toISOString();
    api<Analytics>('GET', `/v1/analytics${query({ bucket, since })}`).then(setData, setError);
  }, [bucket]);
  useEffect(() => {
    if (!data || !chart.current) return;
    const xs = data.series.map((s) => Date.parse(s.start) / 1000);
    const plot = new uPlot(
      {
        width: Math.min(chart.current.clientWidth || 900, 1100),
        height: 320,
        series: [{}, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 2 }))],
        axes: [{}, { label: 'messages' }],
      },
      [xs, ...SERIES.map(([type]) => data.series.map((s) => s.counts[type] ?? 0))],
      chart.current,
    );
    return () => plot.destroy();
  }, [data]);
  return (
    <section>
      <h1>Analytics</h1>
      <select
        aria-label="Bucket"
        value={bucket}
        onChange={(e) => setBucket(e.currentTarget.value as 'day' | 'hour')}
      >
        <option value="day">Last 30 days, by day</option>
        <option value="hour">Last 48 hours, by hour</option>
      </select>
      <ErrorLine error={error} />
      {data ? (
        <dl class="facts rates">
          <dt>Sent</dt>
          <dd>{data.rates.sent}</dd>
          <dt>Delivered</dt>
          <dd>{percent(data.rates.delivery_rate)}</dd>
          <dt>Bounced</dt>
          <dd>{percent(data.rates.bounce_rate)}</dd>
          <dt>Complained</dt>
          <dd>{percent(data.rates.complaint_rate)}</dd>
        </dl>
      ) : null}
      <div class="chart" ref={chart} />
    </section>
  );
}
