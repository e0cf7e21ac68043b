import type { Db } from 'mongodb';
import { DEFAULT_PROJECT_ID } from '../../src/accounts/apiKeys';
import type { PurgeCursor } from '../../src/contracts/retention';
import { collectionsOf } from '../../src/db/mongo';
import { purgeContentBatch, purgeMetadataBatch } from '../../src/privacy/retention';
import { round } from '../measure';
import { log } from '../options';

const DAY = 86_400_000;
/** What the retention Schedule passes per activity. */
const BATCH = 500;

interface PurgeCost {
  messages: number;
  batches: number;
  seconds: number;
  messages_per_second: number;
}

/**
 * Scenario 5c: what retention costs on the loaded volume database. The measured project's
 * messages span 30 days; with the clock 15 days on, content of the older half is due, and with
 * retention at 25 days for records, their oldest sixth goes whole. Run as the purge workflow's
 * activities run, one batch after another, then a second content run that finds nothing new.
 */
export async function retentionCost(db: Db) {
  const c = collectionsOf(db);
  const now = new Date();
  const projectId = DEFAULT_PROJECT_ID;
  const timed = async (run: () => Promise<{ messages: number; batches: number }>): Promise<PurgeCost> => {
    const t0 = performance.now();
    const { messages, batches } = await run();
    const seconds = (performance.now() - t0) / 1000;
    return { messages, batches, seconds: round(seconds), messages_per_second: round(messages / seconds) };
  };
  const contentRun = (before: Date) =>
    timed(async () => {
      let cursor: PurgeCursor | undefined;
      let messages = 0;
      let batches = 0;
      for (let more = true; more; batches++) {
        const r = await purgeContentBatch(c, { projectId, before, limit: BATCH, cursor }, now);
        messages += r.messages;
        cursor = r.cursor;
        more = r.more;
      }
      return { messages, batches };
    });
  log('scenario 5c: retention on the loaded database');
  const contentBefore = new Date(now.getTime() - 15 * DAY);
  const content = await contentRun(contentBefore);
  log(`  content: ${content.messages} messages in ${content.seconds} s (${content.messages_per_second}/s)`);
  const again = await contentRun(contentBefore);
  log(`  content again, nothing due: ${again.seconds} s`);
  const metadata = await timed(async () => {
    let cursor: PurgeCursor | undefined;
    let messages = 0;
    let batches = 0;
    for (let more = true; more; batches++) {
      const before = new Date(now.getTime() - 25 * DAY);
      const r = await purgeMetadataBatch(c, { projectId, before, limit: BATCH, cursor });
      messages += r.messages;
      cursor = r.cursor;
      more = r.more;
    }
    return { messages, batches };
  });
  log(
    `  records: ${metadata.messages} messages with their events in ${metadata.seconds} s (${metadata.messages_per_second}/s)`,
  );
  return { batch: BATCH, content, content_again: again, metadata };
}
