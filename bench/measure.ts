import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import type { SmtpSink } from '../devtools/smtpSink';
import type { CommandStat } from '../src/db/commandProfile';
import { DOMAIN } from './options';
import { cpuSecondsOf } from './processes';
import { summarize } from './stats';

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Runs `job` for indexes 0..count-1, `lanes` at a time; each free lane takes the next index. */
export async function inLanes(
  lanes: number,
  count: number,
  job: (i: number, lane: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (next < count) await job(next++, lane);
    }),
  );
}

/** Until the sink holds a mail for every recipient, or long past when it should have. */
export async function waitForSink(sink: SmtpSink, recipients: string[]): Promise<void> {
  const deadline = Date.now() + Math.max(120_000, recipients.length * 200);
  while (recipients.some((r) => !sink.arrivals.has(r)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
}

/** What the sink got for each recipient: how many never arrived or arrived twice, and the last arrival. */
export function tally(sink: SmtpSink, recipients: string[]) {
  const arrivals = recipients.map((r) => sink.arrivals.get(r) ?? []);
  return {
    lost: arrivals.filter((a) => a.length === 0).length,
    duplicated: arrivals.reduce((n, a) => n + Math.max(0, a.length - 1), 0),
    last: Math.max(...arrivals.flat()),
  };
}

export type Message = (recipient: string) => Record<string, string>;

/** `count` messages, half single POSTs at concurrency 32, half in batches of 500, until all arrived. */
export async function endToEnd(
  apiUrls: string | string[],
  sink: SmtpSink,
  count: number,
  tag: string,
  headers: Record<string, string>,
  message: Message,
) {
  const urls = Array.isArray(apiUrls) ? apiUrls : [apiUrls];
  const posted = new Map<string, number>();
  const recipients = Array.from({ length: count }, (_, i) => `${tag}-${i}@${DOMAIN}`);
  const singles = recipients.slice(0, Math.floor(count / 2));
  const batched = recipients.slice(Math.floor(count / 2));
  const t0 = Date.now();
  const singleSends = inLanes(32, singles.length, async (i, lane) => {
    posted.set(singles[i], Date.now());
    await fetch(`${urls[lane % urls.length]}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify(message(singles[i])),
    });
  });
  const batchSends = (async () => {
    for (let i = 0; i < batched.length; i += 500) {
      const chunk = batched.slice(i, i + 500);
      const at = Date.now();
      for (const r of chunk) posted.set(r, at);
      await fetch(`${urls[(i / 500) % urls.length]}/v1/messages/batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify(chunk.map(message)),
      });
    }
  })();
  await Promise.all([singleSends, batchSends]);
  await waitForSink(sink, recipients);
  await new Promise((r) => setTimeout(r, 1000));
  const { lost, duplicated, last } = tally(sink, recipients);
  const latencies = recipients
    .filter((r) => sink.arrivals.has(r))
    .map((r) => (sink.arrivals.get(r) as number[])[0] - (posted.get(r) as number));
  return {
    messages: count,
    seconds: round((last - t0) / 1000),
    messages_per_second: round((count - lost) / ((last - t0) / 1000)),
    latency: summarize(latencies),
    lost,
    duplicated,
  };
}

export type CpuPerMessage = Record<string, { cpu_ms: number; core_share: number }>;

/** CPU used by each process from now on: where a message's time goes, and what is saturated. */
export function cpuMeter(initial: Record<string, number | undefined>) {
  const start = new Map(
    Object.entries(initial).map(([name, pid]) => [name, { pid, cpu: cpuSecondsOf(pid) }] as const),
  );
  return {
    /** CPU ms per message and busy share of one core over the run, per process. */
    perMessage(messages: number, seconds: number): CpuPerMessage {
      return Object.fromEntries(
        [...start].map(([name, { pid, cpu }]) => {
          const used = cpuSecondsOf(pid) - cpu;
          return [name, { cpu_ms: round((1000 * used) / messages), core_share: round(used / seconds) }];
        }),
      );
    },
  };
}

/** Per-message MongoDB commands and milliseconds, heaviest first, from a process's profile. */
export function commandsPerMessage(file: string, messages: number) {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as CommandStat[];
  return {
    commands: round(rows.reduce((n, r) => n + r.count, 0) / messages),
    ms: round(rows.reduce((n, r) => n + r.totalMs, 0) / messages),
    top: rows.slice(0, 8).map((r) => ({
      command: r.command,
      per_message: round(r.count / messages),
      ms_per_message: round(r.totalMs / messages),
      avg_ms: round(r.totalMs / r.count),
    })),
  };
}
export type CommandsPerMessage = ReturnType<typeof commandsPerMessage>;

export async function dbFootprint(mongo: MongoClient): Promise<{ objects: number; dataSize: number }> {
  const s = await mongo.db().stats();
  return { objects: Number(s.objects ?? 0), dataSize: Number(s.dataSize ?? 0) };
}

/** History length of one delivered message's workflow. */
export async function historyLength(client: Client, mongo: MongoClient): Promise<number> {
  const m = await mongo.db().collection('messages').findOne({ status: 'delivered' });
  if (!m) return Number.NaN;
  const history = await client.workflow.getHandle(m.workflow_id as string).fetchHistory();
  return history.events?.length ?? Number.NaN;
}
