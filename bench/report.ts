import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { barChartSvg } from './chart';
import { type CommandsPerMessage, type CpuPerMessage, round } from './measure';
import { log, OTP_WARMUP, QUICK, SIZES } from './options';
import { ROOT } from './processes';
import type { AcceptRow } from './scenarios/acceptPath';
import type { bullmqPeer } from './scenarios/bullmqPeer';
import type { encryptionCost } from './scenarios/encryptionCost';
import type { endToEndRun } from './scenarios/endToEnd';
import type { largeBodies } from './scenarios/largeBodies';
import type { otpLatency } from './scenarios/otpLatency';
import type { relaySubmission } from './scenarios/relaySubmission';
import type { scaleOut } from './scenarios/scaleOut';
import type { volumeRun } from './scenarios/volume';

type EndToEndRun = Awaited<ReturnType<typeof endToEndRun>>;

/** What one run measured; written as JSON, and as Markdown and SVG for people. */
export interface BenchResults {
  machine: { cpus: number; model?: string; memGiB: number; node: string; mongo: string };
  quick: boolean;
  started: string;
  finished: string;
  accept: AcceptRow[];
  /** SMTP submissions through the relay, next to the HTTP accepts. */
  relay: Awaited<ReturnType<typeof relaySubmission>>;
  /** Accept and end to end without and with SENDFLOW_ENCRYPTION_KEY, same run. */
  encryption: Awaited<ReturnType<typeof encryptionCost>>;
  /** API memory under four concurrent 49 MB bodies. */
  large_bodies: Awaited<ReturnType<typeof largeBodies>>;
  end_to_end: EndToEndRun['e2e'];
  /** The scale-out count of messages delivered directly (mx route) instead of through the relay. */
  end_to_end_mx: EndToEndRun['e2e'];
  /** The same counts through BullMQ on Redis: what a team would build instead. */
  peer: Awaited<ReturnType<typeof bullmqPeer>>;
  cpu_per_message: CpuPerMessage;
  footprint: EndToEndRun['footprint'];
  mongo_commands_per_message: Record<'api' | 'worker', CommandsPerMessage>;
  end_to_end_ceiling: EndToEndRun['ceiling'];
  temporal_floor: EndToEndRun['floor'];
  otp: Awaited<ReturnType<typeof otpLatency>>;
  scale_out: Awaited<ReturnType<typeof scaleOut>>;
  volume: VolumeResults;
}

type VolumeResults = Awaited<ReturnType<typeof volumeRun>>;

// Targets of the volume scenario: every read p50 ≤ 50 ms and p99 ≤ 200 ms at volume; accept and
// end to end within 10 % of the empty database.
const READ_P50_MS = 50;
const READ_P99_MS = 200;
const WITHIN = 0.1;

/** The volume scenario as a table: each figure on the empty database and at volume. */
export function volumeMarkdown(v: VolumeResults): string {
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  const reads = Object.entries(v.loaded.reads).map(([name, at]) => {
    const empty = v.empty.reads[name];
    return `| ${name.replaceAll('_', ' ')} | ${empty.p50} / ${empty.p99} | ${at.p50} / ${at.p99} | ${verdict(at.p50 <= READ_P50_MS && at.p99 <= READ_P99_MS)} |`;
  });
  const pre = v.loaded.pre_send_check;
  const accept = v.loaded.accept;
  const e2e = v.loaded.end_to_end;
  return `## Volume (${v.messages.toLocaleString('en')} messages and ${v.events.toLocaleString('en')} events in ${v.projects} projects, loaded in ${v.load_seconds} s)

| read (ms) | empty database p50 / p99 | at volume p50 / p99 | p50 ≤ ${READ_P50_MS}, p99 ≤ ${READ_P99_MS} |
|---|---|---|---|
${reads.join('\n')}
| pre-send check (suppression + pacing) | ${v.empty.pre_send_check.p50} / ${v.empty.pre_send_check.p99} | ${pre.p50} / ${pre.p99} | ${verdict(pre.p50 <= READ_P50_MS && pre.p99 <= READ_P99_MS)} |
| accept (sequential POST) | ${v.empty.accept.p50} / ${v.empty.accept.p99} | ${accept.p50} / ${accept.p99} | within 10 %: ${verdict(accept.p50 <= v.empty.accept.p50 * (1 + WITHIN))} |
| end to end (${e2e.messages} messages), msg/s | ${v.empty.end_to_end.messages_per_second} | ${e2e.messages_per_second} (${e2e.lost} lost, ${e2e.duplicated} duplicated) | within 10 %: ${verdict(e2e.messages_per_second >= v.empty.end_to_end.messages_per_second * (1 - WITHIN))} |

### Incident on the loaded database

The relay went down for ${v.incident.outage_seconds} s while a burst of ${v.incident.burst} was sent (retry schedule ${v.incident.retry_schedule.join(', ')}); fresh mail kept leaving through a second relay.

| measured | value |
|---|---|
| every message of the burst delivered, seconds after the relay was back | ${v.incident.all_delivered_seconds_after_recovery} (last rung ${v.incident.retry_schedule.at(-1)}) |
| burst lost / duplicated | ${v.incident.lost} / ${v.incident.duplicated} |
| fresh OTPs (priority high) during the incident, POST → sink p50 / p99 ms (${v.incident.fresh_high_priority.count} delivered) | ${v.incident.fresh_high_priority.p50} / ${v.incident.fresh_high_priority.p99} |
| fresh mail (priority normal, the burst's tier) during the incident, p50 / p99 ms (${v.incident.fresh_normal_priority.count} delivered) | ${v.incident.fresh_normal_priority.p50} / ${v.incident.fresh_normal_priority.p99} |
| fresh mail not delivered by the end of the scenario | ${v.incident.fresh_not_delivered} |

### Retention on the loaded database (the measured project, batches of ${v.retention.batch})

| purge | messages | batches | seconds | messages/s |
|---|---|---|---|---|
| content of the older half (15 days past due) | ${v.retention.content.messages} | ${v.retention.content.batches} | ${v.retention.content.seconds} | ${v.retention.content.messages_per_second} |
| the same run again, nothing new due | ${v.retention.content_again.messages} | ${v.retention.content_again.batches} | ${v.retention.content_again.seconds} | – |
| whole messages with events and deliveries (oldest sixth) | ${v.retention.metadata.messages} | ${v.retention.metadata.batches} | ${v.retention.metadata.seconds} | ${v.retention.metadata.messages_per_second} |
`;
}

/** The summary's conclusions, computed from this run's numbers. */
function findings(r: BenchResults): string {
  const e2e = r.end_to_end;
  const floor = r.temporal_floor;
  const cpu = r.cpu_per_message;
  const cores = r.machine.cpus;
  const busy = round(Object.values(cpu).reduce((n, v) => n + v.core_share, 0));
  const ms = (name: string) => cpu[name]?.cpu_ms ?? 0;
  const floorMs = (name: string) => floor.cpu_per_message[name]?.cpu_ms ?? 0;
  const total = round(Object.values(cpu).reduce((n, v) => n + v.cpu_ms, 0));
  const mongo = r.mongo_commands_per_message;
  return [
    `- **CPU is the limit.** During the end-to-end run the processes kept ${busy} of ${cores} cores busy; a delivered message costs ${total} ms of CPU in all (Temporal server ${ms('temporal')}, worker ${ms('worker')}, MongoDB-wire server ${ms('mongo')}, API ${ms('api')}). ${cores} cores / ${total} ms ≈ ${Math.round((cores * 1000) / total)} msg/s, which is what we measured (${e2e.messages_per_second}).`,
    `- **Durability has a floor, and it sits far below raw SMTP.** One Temporal workflow with one activity per mail and nothing else reaches ${floor.messages_per_second} msg/s here (Temporal server ${floorMs('temporal')} ms of CPU per workflow on the dev server's SQLite). Sendflow reaches ${Math.round((100 * e2e.messages_per_second) / floor.messages_per_second)} % of that floor; the nodemailer target is out of reach for any design that runs a workflow per message on this machine.`,
    `- **What Sendflow adds to the floor:** worker +${round(ms('worker') - floorMs('worker'))} ms per message (local activities for the pre-send check and three status writes), Temporal +${round(ms('temporal') - floorMs('temporal'))} ms (${r.footprint.temporal_history_events_per_message} history events, status search attributes), ${mongo.api.commands} + ${mongo.worker.commands} MongoDB commands (API + worker) costing ${ms('mongo')} ms in the MongoDB-wire server.`,
    '- **Scale-out on one 2-core machine only moves CPU around:** a second worker competes with the Temporal server for the same cores. The 1.6× target needs the Temporal server (and MongoDB) on other cores or machines.',
    '- **Next levers**, largest first: run the Temporal server with a production persistence (PostgreSQL/Cassandra) on its own cores; fewer workflow activations per message (the TypeScript SDK spends most worker CPU entering the workflow sandbox, per its CPU profile); a real mongod instead of FerretDB; worker tuning only once cores are free.',
  ].join('\n');
}

function profileTable(profiles: Record<string, CommandsPerMessage>): string {
  const lines = ['| process | command | per message | ms per message | avg ms |', '|---|---|---|---|---|'];
  for (const [proc, p] of Object.entries(profiles)) {
    lines.push(`| **${proc}** | **all** | **${p.commands}** | **${p.ms}** | |`);
    for (const row of p.top)
      lines.push(`| ${proc} | ${row.command} | ${row.per_message} | ${row.ms_per_message} | ${row.avg_ms} |`);
  }
  return lines.join('\n');
}

function markdown(r: BenchResults, name: string): string {
  const { accept, end_to_end: e2e, end_to_end_ceiling: ceiling, temporal_floor: floor, otp } = r;
  const scale = r.scale_out;
  const foot = r.footprint;
  const c64 = accept.find((a) => a.concurrency === 64);
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  return `# Sendflow benchmark ${QUICK ? '(quick)' : ''} — ${r.started}

Machine: ${JSON.stringify(r.machine)}. Everything on loopback, one run, \`npm run bench${QUICK ? ' -- --quick' : ''}\`.

## Accept path (POST /v1/messages, ${SIZES.acceptSeconds} s per concurrency)

| concurrency | API req/s | API p50 / p99 / max ms | errors | bare Express req/s | workflow.start/s (p99 ms) |
|---|---|---|---|---|---|
${accept.map((a) => `| ${a.concurrency} | ${a.api.rps.toFixed(0)} | ${a.api.p50} / ${a.api.p99} / ${a.api.max} | ${a.api.errors} | ${a.bare_express.rps.toFixed(0)} | ${a.workflow_start.rps.toFixed(0)} (${a.workflow_start.p99}) |`).join('\n')}

## SMTP relay submissions (${SIZES.acceptSeconds} s per concurrency, one recipient each)

Each client keeps one connection open (STARTTLS and AUTH once), as a pooled legacy application
does; HTTP accepts of the same concurrency from the table above. Relay peak RSS ${r.relay.peak_rss_mib} MiB.

| concurrency | relay submissions/s | relay p50 / p99 / max ms | errors | HTTP accepts req/s |
|---|---|---|---|---|
${r.relay.rows.map((row) => `| ${row.concurrency} | ${row.submissions_per_second} | ${row.p50} / ${row.p99} / ${row.max} | ${row.errors} | ${accept.find((a) => a.concurrency === row.concurrency)?.api.rps.toFixed(0) ?? '–'} |`).join('\n')}

## What encryption costs (scenario 2d, same run)

Single sends at concurrency 16 for ${SIZES.acceptSeconds} s, then ${SIZES.scale} messages end to end, each on a fresh API and worker with a database of its own, without and with \`SENDFLOW_ENCRYPTION_KEY\` (Temporal payloads and content at rest sealed):

| | accept req/s | accept p50 / p99 ms | end to end msg/s | end to end p50 ms |
|---|---|---|---|---|
${(['off', 'on'] as const).map((m) => `| ${m} | ${r.encryption[m].accept.rps} | ${r.encryption[m].accept.p50} / ${r.encryption[m].accept.p99} | ${r.encryption[m].end_to_end.messages_per_second} | ${r.encryption[m].end_to_end.latency.p50} |`).join('\n')}

## Large attachments and API memory

Four clients at once each send a 49 MB JSON body (a 36 MB attachment) to a fresh API process:
answers ${r.large_bodies.statuses.join(', ')} in ${r.large_bodies.seconds} s; API resident memory ${r.large_bodies.idle_rss_mib} MiB idle, peak ${r.large_bodies.peak_rss_mib} MiB, ${r.large_bodies.kept_rss_mib} MiB five seconds after the last answer.

## End to end (${SIZES.e2e} messages, half single sends at concurrency 32, half in batches of 500)

| | msg/s | POST→sink p50 / p99 ms | lost | duplicated |
|---|---|---|---|---|
| Sendflow, 1 worker | ${e2e.messages_per_second} | ${e2e.latency.p50} / ${e2e.latency.p99} | ${e2e.lost} | ${e2e.duplicated} |
| Sendflow, 1 worker, direct delivery (mx route, ${r.end_to_end_mx.messages} messages) | ${r.end_to_end_mx.messages_per_second} | ${r.end_to_end_mx.latency.p50} / ${r.end_to_end_mx.latency.p99} | ${r.end_to_end_mx.lost} | ${r.end_to_end_mx.duplicated} |
| peer: BullMQ on Redis (AOF everysec), 1 worker process, pooled nodemailer | ${r.peer.end_to_end.messages_per_second} | – | ${r.peer.end_to_end.lost} | ${r.peer.end_to_end.duplicated} |
| ceiling: pooled nodemailer → sink | ${ceiling.messages_per_second} | – | – | – |
| floor: one Temporal workflow + activity per mail, no MongoDB | ${floor.messages_per_second} | – | ${floor.lost} | – |

Against the peer: Sendflow's end-to-end throughput is ${Math.round((100 * e2e.messages_per_second) / r.peer.end_to_end.messages_per_second)} % of BullMQ's (the Temporal floor is ${Math.round((100 * floor.messages_per_second) / r.peer.end_to_end.messages_per_second)} % of it); BullMQ's OTP latency is p50 ${r.peer.otp.p50} ms, p99 ${r.peer.otp.p99} ms.

OTP latency (${SIZES.otp} sequential sends at idle, after ${OTP_WARMUP} uncounted warm-up sends): p50 ${otp.p50} ms, p99 ${otp.p99} ms. Median stages after the POST: answered ${otp.stages_p50_ms.answered} ms, workflow past its checks (\`accepted\` event time) ${otp.stages_p50_ms.accepted} ms, mail at the sink ${otp.p50} ms.

Scale-out (${SIZES.scale} messages): 1 worker ${scale.one_worker_one_api} msg/s · 2 workers ${scale.two_workers_one_api} msg/s (×${scale.speedup_two_workers}) · 2 workers + 2 APIs ${scale.two_workers_two_apis} msg/s.

Footprint during the end-to-end run: API peak RSS ${foot.api_peak_rss_mib} MiB, worker peak RSS ${foot.worker_peak_rss_mib} MiB, ${foot.mongo_documents_per_message} MongoDB documents and ${foot.mongo_bytes_per_message} bytes per message, ${foot.temporal_history_events_per_message} Temporal history events per delivered message.

## Where a message's time goes (end-to-end run)

CPU per message and busy share of one core (${r.machine.cpus} cores in all) during the run:

| process | CPU ms per message | share of a core | Temporal floor, CPU ms per message |
|---|---|---|---|
${Object.entries(r.cpu_per_message)
  .map(
    ([proc, v]) =>
      `| ${proc} | ${v.cpu_ms} | ${v.core_share} | ${floor.cpu_per_message[proc]?.cpu_ms ?? '–'} |`,
  )
  .join('\n')}

## Where a message's MongoDB time goes (end-to-end run, per message)

${profileTable(r.mongo_commands_per_message)}

## Targets

| target | measured | |
|---|---|---|
| accept p99 ≤ 50 ms at c=64 | ${c64?.api.p99} ms | ${verdict((c64?.api.p99 ?? Infinity) <= 50)} |
| accept ≥ 50 % of workflow.start at c=64 | ${c64 ? Math.round((100 * c64.api.rps) / c64.workflow_start.rps) : '?'} % | ${verdict(!!c64 && c64.api.rps >= 0.5 * c64.workflow_start.rps)} |
| end to end ≥ 25 % of nodemailer | ${Math.round((100 * e2e.messages_per_second) / ceiling.messages_per_second)} % | ${verdict(e2e.messages_per_second >= 0.25 * ceiling.messages_per_second)} |
| zero lost or duplicated | ${e2e.lost} lost, ${e2e.duplicated} duplicated | ${verdict(e2e.lost === 0 && e2e.duplicated === 0)} |
| OTP p50 ≤ 100 ms, p99 ≤ 250 ms | ${otp.p50} / ${otp.p99} ms | ${verdict(otp.p50 <= 100 && otp.p99 <= 250)} |
| 2 workers ≥ 1.6× one | ×${scale.speedup_two_workers} | ${verdict(scale.speedup_two_workers >= 1.6)} |

${volumeMarkdown(r.volume)}
## Findings

${findings(r)}

![chart](${name}.svg)
`;
}

function chart(r: BenchResults): string {
  return barChartSvg('Sendflow vs ceilings (same machine, same run)', '/s', [
    ...r.accept.map((a) => ({
      label: `accept c=${a.concurrency} (vs workflow.start)`,
      value: a.api.rps,
      ceiling: a.workflow_start.rps,
    })),
    {
      label: 'end to end msg/s (vs Temporal floor)',
      value: r.end_to_end.messages_per_second,
      ceiling: r.temporal_floor.messages_per_second,
    },
    {
      label: 'end to end msg/s (vs nodemailer)',
      value: r.end_to_end.messages_per_second,
      ceiling: r.end_to_end_ceiling.messages_per_second,
    },
    {
      label: '2 workers msg/s (vs 1 worker)',
      value: r.scale_out.two_workers_one_api,
      ceiling: r.scale_out.one_worker_one_api,
    },
  ]);
}

/** Writes bench/results/volume-<stamp>.{json,md} for a run of the volume scenario alone. */
export function writeVolumeReport(
  started: string,
  machine: BenchResults['machine'],
  volume: VolumeResults,
): void {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = `${QUICK ? 'quick-' : ''}volume-${started.replace(/[:.]/g, '-')}`;
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify({ machine, started, volume }, null, 2)}\n`);
  writeFileSync(
    path.join(dir, `${name}.md`),
    `# Sendflow volume scenario — ${started}\n\nMachine: ${JSON.stringify(machine)}.\n\n${volumeMarkdown(volume)}`,
  );
  log(`results: bench/results/${name}.{json,md}`);
}

/** Writes bench/results/<stamp>.{json,md,svg} (quick runs prefixed `quick-`). */
export function writeReport(results: BenchResults): void {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = results.started.replace(/[:.]/g, '-');
  const name = QUICK ? `quick-${stamp}` : stamp;
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(dir, `${name}.md`), markdown(results, name));
  writeFileSync(path.join(dir, `${name}.svg`), chart(results));
  log(`results: bench/results/${name}.{json,md,svg}`);
}
