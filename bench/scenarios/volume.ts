import { MongoClient } from 'mongodb';
import { startSmtpSink } from '../../devtools/smtpSink';
import { DEFAULT_PROJECT_ID } from '../../src/accounts/apiKeys';
import { collectionsOf } from '../../src/db/mongo';
import { findPacingLimit } from '../../src/delivery/pacing';
import { findBlockingSuppression } from '../../src/suppressions/suppressionList';
import { endToEnd, round } from '../measure';
import { DOMAIN, log, QUICK, READ_SAMPLES, SIZES } from '../options';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';
import { loadVolume, type VolumeData } from '../volumeData';
import { incidentRun } from './incident';
import { retentionCost } from './retentionCost';

type Latency = ReturnType<typeof summarize>;

/** The reads the issue names, as a user of the API makes them, with where each one points. */
function readPaths(d: VolumeData | undefined, sample: { id: string; recipient: string }) {
  const enc = encodeURIComponent;
  return {
    newest_25: '/v1/messages?limit=25',
    by_status: '/v1/messages?limit=25&status=bounced',
    by_recipient: `/v1/messages?limit=25&recipient=${enc(d?.recipient ?? sample.recipient)}`,
    by_tag: `/v1/messages?limit=25&tag=${enc(d?.tag ?? 'vol')}`,
    by_date_range: d
      ? `/v1/messages?limit=25&created_after=${enc(d.window.after)}&created_before=${enc(d.window.before)}`
      : '/v1/messages?limit=25&created_after=2026-01-01T00:00:00Z&created_before=2099-01-01T00:00:00Z',
    page_10: '/v1/messages?limit=25',
    message_with_timeline: `/v1/messages/${d?.messageId ?? sample.id}`,
    events_after_sequence: `/v1/events?limit=100&since=${d?.midSequence ?? 0}`,
    analytics_30_days: `/v1/analytics?bucket=day&since=${enc(new Date(Date.now() - 30 * 86_400_000).toISOString())}`,
  };
}

async function getJson(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { next_cursor?: string | null };
}

async function measureReads(
  apiUrl: string,
  headers: Record<string, string>,
  paths: ReturnType<typeof readPaths>,
  samples: number,
): Promise<Record<string, Latency>> {
  const out: Record<string, Latency> = {};
  for (const [name, path] of Object.entries(paths)) {
    const times: number[] = [];
    for (let i = -2; i < samples; i++) {
      let url = `${apiUrl}${path}`;
      // The 10th page: walk nine cursors first, time only the last request.
      if (name === 'page_10')
        for (let p = 0; p < 9; p++) {
          const page = await getJson(url, headers);
          if (!page.next_cursor) break;
          url = `${apiUrl}${path}&cursor=${page.next_cursor}`;
        }
      const t0 = performance.now();
      await getJson(url, headers);
      if (i >= 0) times.push(performance.now() - t0);
    }
    out[name] = summarize(times);
  }
  return out;
}

/** Suppression and pacing lookups the workflow runs before every attempt, timed in-process. */
async function measurePreSendCheck(uri: string, recipient: string, samples: number): Promise<Latency> {
  const client = new MongoClient(uri);
  await client.connect();
  const c = collectionsOf(client.db());
  const times: number[] = [];
  for (let i = -5; i < samples; i++) {
    const t0 = performance.now();
    await Promise.all([
      findBlockingSuppression(c, DEFAULT_PROJECT_ID, recipient, 'transactional'),
      findPacingLimit(c, DEFAULT_PROJECT_ID, recipient.split('@')[1]),
    ]);
    if (i >= 0) times.push(performance.now() - t0);
  }
  await client.close();
  return summarize(times);
}

async function measureAccept(
  apiUrl: string,
  stack: BenchStack,
  count: number,
  tag: string,
): Promise<Latency> {
  const times: number[] = [];
  for (let i = -3; i < count; i++) {
    const t0 = performance.now();
    const res = await fetch(`${apiUrl}/v1/messages`, {
      method: 'POST',
      headers: stack.auth,
      body: JSON.stringify({ ...stack.message(`${tag}-${i}@${DOMAIN}`), tags: ['vol'] }),
    });
    if (res.status !== 202) throw new Error(`accept answered ${res.status}`);
    if (i >= 0) times.push(performance.now() - t0);
  }
  return summarize(times);
}

interface Phase {
  reads: Record<string, Latency>;
  pre_send_check: Latency;
  accept: Latency;
  end_to_end: Awaited<ReturnType<typeof endToEnd>>;
}

/**
 * Scenario 5: the read paths, the pre-send check, accept latency and end-to-end throughput on
 * an empty database, then the same after loading 1,000,000 messages and 3,000,000 events across
 * 20 projects (20,000 with --quick; --volume=N sets another size). Its own database, API and
 * worker, so the other scenarios are not affected; the incident scenario follows on the loaded
 * database.
 */
export async function volumeRun(stack: BenchStack) {
  const total = SIZES.volume;
  const uri = stack.mongoUri('sendflow_volume');
  // Its own relay, which the incident scenario takes down.
  let relay = await startSmtpSink({ record: false });
  const api = await stack.startApi('bench-volume', { MONGODB_URI: uri });
  await stack.startWorker('bench-volume', { MONGODB_URI: uri, SMTP_URL: relay.url });
  const client = new MongoClient(uri);
  await client.connect();
  await client
    .db()
    .collection('api_keys')
    .updateOne({ _id: 'key_bootstrap' as never }, { $set: { rate_limit_per_minute: 10_000_000 } });
  const samples = READ_SAMPLES;
  const acceptCount = QUICK ? 20 : 100;
  const e2eCount = QUICK ? 100 : 1000;

  const phase = async (label: string, data: VolumeData | undefined): Promise<Phase> => {
    log(`  ${label}: accept and end to end`);
    const accept = await measureAccept(api.url, stack, acceptCount, `vol-accept-${label}`);
    const e2e = await endToEnd(api.url, relay, e2eCount, `vol-e2e-${label}`, stack.auth, stack.message);
    const sample = await collectionsOf(client.db()).messages.findOne(
      { project_id: DEFAULT_PROJECT_ID },
      { projection: { recipient: 1 } },
    );
    if (!sample) throw new Error('the end-to-end run stored no message');
    log(`  ${label}: reads`);
    const reads = await measureReads(
      api.url,
      stack.auth,
      readPaths(data, { id: sample._id, recipient: sample.recipient }),
      samples,
    );
    const preSend = await measurePreSendCheck(uri, data?.suppressed ?? sample.recipient, samples * 5);
    return { reads, pre_send_check: preSend, accept, end_to_end: e2e };
  };

  log(`scenario 5: volume, empty database first, then ${total.toLocaleString('en')} messages`);
  const empty = await phase('empty', undefined);
  const t0 = Date.now();
  let shown = 0;
  const data = await loadVolume(
    client.db(),
    { total, projectCount: 20, firstProject: DEFAULT_PROJECT_ID, now: new Date() },
    (written) => {
      if (written - shown >= total / 10) {
        shown = written;
        log(`  loaded ${written.toLocaleString('en')} messages (${Math.round((Date.now() - t0) / 1000)} s)`);
      }
    },
  );
  const loadSeconds = round((Date.now() - t0) / 1000);
  log(`  loaded ${data.messages} messages and ${data.events} events in ${loadSeconds} s`);
  const full = await phase('loaded', data);
  const incident = await incidentRun(stack, api.url, relay);
  relay = incident.relay;
  await relay.close();
  const retention = await retentionCost(client.db());
  await client.close();
  await api.proc.stop();
  return {
    messages: data.messages,
    events: data.events,
    projects: data.projects.length,
    load_seconds: loadSeconds,
    empty,
    loaded: full,
    incident: incident.result,
    retention,
  };
}
