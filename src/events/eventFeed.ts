import type { EventPayload } from '../contracts/webhookSchemas';
import type { Collections } from '../db/mongo';
import { eventsAfter, latestSequence } from './eventQueries';

/** Receives the events after its position, in sequence order. */
export type FeedListener = (events: EventPayload[]) => void;

export interface EventFeed {
  /**
   * Follows the project's events after sequence `after`; returns the way to stop. Any number of
   * followers of one project share one poll of the event log.
   */
  follow(projectId: string, after: number, listener: FeedListener): () => void;
}

interface Follower {
  after: number;
  listener: FeedListener;
  catchingUp: boolean;
}

interface ProjectFeed {
  /** Newest sequence read from the log (undefined until the first poll). */
  head?: number;
  /** The newest events read, oldest first, for followers to take theirs from. */
  recent: EventPayload[];
  followers: Set<Follower>;
  timer?: NodeJS.Timeout;
}

const PAGE = 100;

/**
 * One poller per project and process behind every live stream of that project: each poll reads
 * only events past the newest one seen, on the (project_id, seq) index, and hands each follower
 * the ones it has not had. A follower that resumes from further back than the recent events
 * reads its gap itself, page by page, then joins. Polling (not change streams) keeps this
 * working on every MongoDB-wire server.
 */
export function createEventFeed(c: Collections, opts: { pollMs?: number; keep?: number } = {}): EventFeed {
  const pollMs = opts.pollMs ?? 250;
  const keep = opts.keep ?? 1000;
  const projects = new Map<string, ProjectFeed>();

  function deliver(projectId: string, feed: ProjectFeed, f: Follower) {
    if (f.catchingUp || feed.head === undefined || f.after >= feed.head) return;
    const oldest = feed.recent[0]?.sequence;
    if (oldest === undefined || f.after < oldest - 1) {
      void catchUp(projectId, feed, f);
      return;
    }
    const events = feed.recent.filter((e) => e.sequence > f.after);
    if (!events.length) return;
    f.after = events[events.length - 1].sequence;
    f.listener(events);
  }

  async function catchUp(projectId: string, feed: ProjectFeed, f: Follower) {
    f.catchingUp = true;
    try {
      for (;;) {
        const oldest = feed.recent[0]?.sequence;
        if (!feed.followers.has(f) || (oldest !== undefined && f.after >= oldest - 1)) break;
        const page = await eventsAfter(c, projectId, f.after, { limit: PAGE });
        if (!page.payloads.length) break;
        f.after = page.payloads[page.payloads.length - 1].sequence;
        f.listener(page.payloads);
      }
    } finally {
      f.catchingUp = false;
    }
    if (feed.followers.has(f)) deliver(projectId, feed, f);
  }

  async function poll(projectId: string, feed: ProjectFeed) {
    try {
      if (feed.head === undefined) feed.head = await latestSequence(c, projectId);
      for (;;) {
        const page = await eventsAfter(c, projectId, feed.head, { limit: PAGE });
        if (page.payloads.length) {
          feed.recent.push(...page.payloads);
          if (feed.recent.length > keep) feed.recent.splice(0, feed.recent.length - keep);
          feed.head = page.payloads[page.payloads.length - 1].sequence;
        }
        if (!page.hasMore) break;
      }
      for (const f of feed.followers) deliver(projectId, feed, f);
    } catch {
      // The database is away; the next poll tries again and nobody misses anything.
    }
    if (feed.followers.size) feed.timer = setTimeout(() => void poll(projectId, feed), pollMs).unref();
    else projects.delete(projectId);
  }

  return {
    follow(projectId, after, listener) {
      let feed = projects.get(projectId);
      const follower: Follower = { after, listener, catchingUp: false };
      if (!feed) {
        feed = { recent: [], followers: new Set([follower]) };
        projects.set(projectId, feed);
        void poll(projectId, feed);
      } else {
        feed.followers.add(follower);
        deliver(projectId, feed, follower);
      }
      const own = feed;
      return () => {
        own.followers.delete(follower);
      };
    },
  };
}
