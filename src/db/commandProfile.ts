import { writeFileSync } from 'node:fs';
import type { CommandFailedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';

export interface CommandStat {
  /** `<command> <collection>`, e.g. `find messages`. */
  command: string;
  count: number;
  totalMs: number;
}

/**
 * Counts every command this process sends to MongoDB and the time it took, per command and
 * collection, and writes the totals as JSON to `file` when the process exits. The benchmark
 * uses it to show where a message's database time goes.
 */
export function profileCommands(client: MongoClient, file: string): void {
  const stats = new Map<string, CommandStat>();
  const pending = new Map<number, string>();
  client.on('commandStarted', (e) => {
    const target = e.command[e.commandName];
    const collection = typeof target === 'string' ? target : (e.command.collection ?? '');
    pending.set(e.requestId, `${e.commandName} ${collection}`.trim());
  });
  const done = (e: CommandSucceededEvent | CommandFailedEvent) => {
    const command = pending.get(e.requestId) ?? e.commandName;
    pending.delete(e.requestId);
    const stat = stats.get(command) ?? { command, count: 0, totalMs: 0 };
    stat.count += 1;
    stat.totalMs += e.duration;
    stats.set(command, stat);
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
  process.once('exit', () => {
    const rows = [...stats.values()].sort((a, b) => b.totalMs - a.totalMs);
    writeFileSync(file, JSON.stringify(rows, null, 2));
  });
}
