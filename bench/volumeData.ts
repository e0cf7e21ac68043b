import type { Db } from 'mongodb';
import type { MessageStatus } from '../src/contracts/statuses';
import type {
  EventDoc,
  HourlyCountDoc,
  MessageDoc,
  MessageTagDoc,
  SuppressionDoc,
} from '../src/db/documents';
import { collectionsOf } from '../src/db/mongo';
import { inLanes } from './measure';

/** What the loader wrote, for the reads to aim at: the measured project's own data. */
export interface VolumeData {
  projects: string[];
  messages: number;
  events: number;
  /** A recipient of the measured project with a handful of messages. */
  recipient: string;
  /** A tag on about one message in twenty of the project. */
  tag: string;
  /** A message of the project, with its three events. */
  messageId: string;
  /** A sequence number in the middle of the project's event log. */
  midSequence: number;
  /** One hour ten days ago. */
  window: { after: string; before: string };
  /** Suppressed addresses of the project (the pre-send check looks one up). */
  suppressed: string;
}

const DAY = 86_400_000;
const SPAN = 30 * DAY;
// Frequent kinds of transactional mail first; a message gets one, and a third also a campaign tag.
const TAGS = ['otp', 'password-reset', 'receipt', 'alert', 'welcome', 'invoice', 'digest', 'security'];
const WEIGHTS = [40, 15, 12, 10, 8, 6, 5, 4];
const PER_CHUNK = 500;

function pickTag(i: number): string {
  let r = (i * 7919) % 100;
  for (let k = 0; k < TAGS.length; k++) {
    if (r < WEIGHTS[k]) return TAGS[k];
    r -= WEIGHTS[k];
  }
  return TAGS[0];
}

function statusOf(i: number): MessageStatus {
  const r = (i * 104_729) % 100;
  if (r < 2) return 'bounced';
  if (r < 4) return 'deferred';
  if (r < 5) return 'complained';
  if (r < 6) return 'suppressed';
  return 'delivered';
}

const BODY = 'Hello, here is the information you asked for. '.repeat(8);

/**
 * Writes `total` messages with three events each across `projectCount` projects straight to the
 * database, as Sendflow would have stored them over the last 30 days: tags and their entries,
 * suppressions for bounces and complaints, event heads and hourly counts. The first project is
 * the one the benchmark's key belongs to.
 */
export async function loadVolume(
  db: Db,
  opts: { total: number; projectCount: number; firstProject: string; now: Date; lanes?: number },
  progress: (written: number) => void,
): Promise<VolumeData> {
  const c = collectionsOf(db);
  const projects = [
    opts.firstProject,
    ...Array.from({ length: opts.projectCount - 1 }, (_, i) => `proj_vol${i + 1}`),
  ];
  await c.projects.insertMany(
    projects.slice(1).map((_id) => ({ _id, name: _id, created_at: opts.now }) as never),
    { ordered: false },
  );
  const perProject = Math.floor(opts.total / projects.length);
  // The measured project already has events of its own: its loaded ones are numbered after them.
  const heads = await Promise.all(
    projects.map(async (_id) => (await c.eventHeads.findOne({ _id }))?.seq ?? 0),
  );
  const start = opts.now.getTime() - SPAN;
  const chunks: { project: number; from: number }[] = [];
  for (let p = 0; p < projects.length; p++)
    for (let from = 0; from < perProject; from += PER_CHUNK) chunks.push({ project: p, from });
  // Hourly counts are summed in memory and written once per project and day.
  const counts = new Map<
    string,
    { project_id: string; day: string; counts: Record<string, Record<string, number>> }
  >();
  let written = 0;
  await inLanes(opts.lanes ?? 3, chunks.length, async (k) => {
    const { project: p, from } = chunks[k];
    const projectId = projects[p];
    const messages: MessageDoc[] = [];
    const events: EventDoc[] = [];
    const tags: MessageTagDoc[] = [];
    const suppressions: SuppressionDoc[] = [];
    for (let i = from; i < Math.min(from + PER_CHUNK, perProject); i++) {
      const id = `msg_${p.toString(36).padStart(2, '0')}${i.toString(36).padStart(8, '0')}vol0000000`;
      const at = new Date(start + Math.floor((i * SPAN) / perProject));
      const recipient = `user${i % Math.ceil(perProject / 5)}@example${i % 50}.test`;
      const status = statusOf(i);
      const messageTags = i % 3 === 0 ? [pickTag(i), `campaign-${i % 40}`] : [pickTag(i)];
      messages.push({
        _id: id,
        project_id: projectId,
        idempotency_key: `vol-${i}`,
        request_hash: `${i}`.padStart(64, '0'),
        workflow_id: `message-${projectId}-${i.toString(16).padStart(32, '0')}`,
        status,
        from: 'hello@bench.test',
        recipient,
        recipient_domain: recipient.split('@')[1],
        subject: `Your ${messageTags[0]} #${i}`,
        html: `<p>${BODY}</p>`,
        text: BODY,
        headers: {},
        attachments: [],
        tags: messageTags,
        metadata: { user_id: String(i % 10_000) },
        message_type: 'transactional',
        priority: 'normal',
        message_id_header: `<${id}@bench.test>`,
        attempts: 1,
        last_smtp: { route: 'default', code: 250, response: '250 2.0.0 Ok: queued', remote_mta: 'mx:25' },
        ...(status === 'bounced'
          ? { bounce_type: 'hard' as const, bounce_category: 'unknown_user' as const }
          : {}),
        test: false,
        created_at: at,
        updated_at: new Date(at.getTime() + 500),
        ...(status === 'delivered' ? { delivered_at: new Date(at.getTime() + 500) } : {}),
      });
      const base = heads[p] + i * 3;
      const steps: [EventDoc['type'], MessageStatus, number][] = [
        ['email.queued', 'queued', 0],
        ['email.accepted', 'accepted', 50],
        [`email.${status === 'suppressed' ? 'suppressed' : status}`, status, 500],
      ];
      steps.forEach(([type, s, offset], n) => {
        const created = new Date(at.getTime() + offset);
        events.push({
          _id: `${id}:${type}:${n < 2 ? 0 : 1}`,
          project_id: projectId,
          seq: base + n + 1,
          message_id: id,
          recipient,
          type,
          status: s,
          created_at: created,
          ...(n === 2 ? { attempt: 1 } : {}),
        });
        const day = created.toISOString().slice(0, 10);
        const key = `${projectId}:${day}`;
        const doc = counts.get(key) ?? { project_id: projectId, day, counts: {} };
        const hh = created.toISOString().slice(11, 13);
        doc.counts[hh] = { ...doc.counts[hh], [type]: (doc.counts[hh]?.[type] ?? 0) + 1 };
        counts.set(key, doc);
      });
      for (const tag of messageTags)
        tags.push({ _id: `${id}:${tag}`, project_id: projectId, tag, message_id: id, created_at: at });
      if (status === 'bounced' || status === 'complained')
        suppressions.push({
          _id: `${projectId}:${recipient}`,
          project_id: projectId,
          recipient,
          reason: status === 'bounced' ? 'hard_bounce' : 'complaint',
          source_message_id: id,
          created_at: at,
        });
    }
    const unordered = { ordered: false };
    await Promise.all([
      c.messages.insertMany(messages, unordered),
      c.events.insertMany(events, unordered),
      c.messageTags.insertMany(tags, unordered),
      suppressions.length
        ? c.suppressions.insertMany(suppressions, unordered).catch(() => undefined)
        : undefined,
    ]);
    written += messages.length;
    progress(written);
  });
  await c.hourlyCounts.insertMany(
    [...counts].map(
      ([key, d]): HourlyCountDoc => ({
        _id: `${key}:volume-load`,
        project_id: d.project_id,
        day: d.day,
        writer: 'volume-load',
        counts: JSON.stringify(d.counts),
      }),
    ),
    { ordered: false },
  );
  await Promise.all(
    projects.map((_id, p) =>
      c.eventHeads.updateOne({ _id }, { $set: { seq: heads[p] + perProject * 3 } }, { upsert: true }),
    ),
  );
  const mid = Math.floor(perProject / 2);
  const tenDaysAgo = opts.now.getTime() - 10 * DAY;
  const bounced = Array.from({ length: 100 }, (_, i) => i).find((i) => statusOf(i) === 'bounced') ?? 0;
  return {
    projects,
    messages: perProject * projects.length,
    events: perProject * projects.length * 3,
    recipient: `user${mid % Math.ceil(perProject / 5)}@example${mid % 50}.test`,
    tag: 'digest',
    messageId: `msg_00${mid.toString(36).padStart(8, '0')}vol0000000`,
    midSequence: heads[0] + mid * 3,
    window: {
      after: new Date(tenDaysAgo).toISOString(),
      before: new Date(tenDaysAgo + 3_600_000).toISOString(),
    },
    suppressed: `user${bounced % Math.ceil(perProject / 5)}@example${bounced % 50}.test`,
  };
}
