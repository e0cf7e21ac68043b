import { type SmtpSink, startSmtpSink } from '../../devtools/smtpSink';
import { inLanes, round, tally } from '../measure';
import { log, QUICK } from '../options';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';

const FRESH_DOMAIN = 'fresh.test';

/**
 * Scenario 6, on the volume database: the relay every message leaves through (the worker's
 * SMTP_URL) goes down while a burst is sent, and comes back after `outage`. Meanwhile fresh
 * mail leaves through a second relay (a route for its domain) that stays up: it must not
 * notice. Measured: fresh mail latency during the incident, and how long after the relay is
 * back every message of the burst is delivered.
 */
export async function incidentRun(stack: BenchStack, apiUrl: string, relay: SmtpSink) {
  const burst = QUICK ? 100 : 1000;
  const outageMs = QUICK ? 15_000 : 120_000;
  // A ladder a burst climbs during a two-minute outage; the last rung bounds the recovery.
  const ladder = QUICK ? ['2s', '4s', '8s', '8s', '8s', '8s'] : ['5s', '10s', '20s', '40s', '60s', '60s'];
  const post = (path: string, body: unknown, method = 'POST') =>
    fetch(`${apiUrl}${path}`, { method, headers: stack.auth, body: JSON.stringify(body) });
  await post('/v1/delivery-policy', { retry_schedule: ladder }, 'PUT');
  const second = await startSmtpSink({ record: false });
  const route = await post('/v1/routes', {
    name: 'fresh-relay',
    type: 'relay',
    url: second.url,
    match: { recipient_domains: [FRESH_DOMAIN] },
  });
  if (route.status !== 201) throw new Error(`route answered ${route.status}: ${await route.text()}`);

  log(`scenario 6: incident, relay down ${outageMs / 1000} s during a burst of ${burst}`);
  const port = relay.port;
  await relay.close();
  const down = Date.now();
  const recipients = Array.from({ length: burst }, (_, i) => `incident-${i}@bench.test`);
  await inLanes(4, burst / 100, async (k) => {
    const chunk = recipients.slice(k * 100, k * 100 + 100);
    const res = await post('/v1/messages/batch', chunk.map(stack.message));
    if (res.status !== 200) throw new Error(`batch answered ${res.status}`);
  });
  // Fresh mail on the healthy route, one every half second through the outage, alternately an
  // OTP (priority high: its own worker tier) and ordinary mail (priority normal, the burst's tier).
  const sent: { r: string; t0: number; priority: 'high' | 'normal' }[] = [];
  for (let n = 0; Date.now() - down < outageMs; n++) {
    const priority = n % 2 === 0 ? 'high' : 'normal';
    const r = `fresh-${n}@${FRESH_DOMAIN}`;
    const t0 = Date.now();
    sent.push({ r, t0, priority });
    await post('/v1/messages', { ...stack.message(r), priority });
    await new Promise((s) => setTimeout(s, Math.max(0, 500 - (Date.now() - t0))));
  }
  const back = await startSmtpSink({ port, record: false });
  const up = Date.now();
  log('  relay back; waiting for the burst');
  const deadline = up + 10 * 60_000;
  while (recipients.some((r) => !back.arrivals.has(r)) && Date.now() < deadline)
    await new Promise((s) => setTimeout(s, 100));
  const burstTally = tally(back, recipients);
  // Fresh mail had all this time to arrive: what did not is counted as not delivered.
  const freshLatency = (priority: 'high' | 'normal') =>
    sent
      .filter((f) => f.priority === priority && second.arrivals.has(f.r))
      .map((f) => (second.arrivals.get(f.r) as number[])[0] - f.t0);
  const result = {
    burst,
    outage_seconds: outageMs / 1000,
    retry_schedule: ladder,
    fresh_high_priority: summarize(freshLatency('high')),
    fresh_normal_priority: summarize(freshLatency('normal')),
    fresh_not_delivered: sent.filter((f) => !second.arrivals.has(f.r)).length,
    all_delivered_seconds_after_recovery: round((burstTally.last - up) / 1000),
    lost: burstTally.lost,
    duplicated: burstTally.duplicated,
  };
  log(
    `  burst delivered ${result.all_delivered_seconds_after_recovery} s after recovery; fresh p50 ${result.fresh_high_priority.p50} ms (high), ${result.fresh_normal_priority.p50} ms (normal)`,
  );
  await second.close();
  return { result, relay: back };
}
