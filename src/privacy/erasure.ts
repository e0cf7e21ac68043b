import { deleteOnIndex } from '../db/indexedDelete';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { normalizeAddress } from '../messages/address';
import { suppressionId } from '../suppressions/suppressionList';
import { erasedAddress } from './erasedAddress';
import { deleteMessageFiles } from './messageFiles';

export interface ErasureReport {
  recipient: string;
  messages: number;
  events: number;
  files: number;
  test_deliveries: number;
  inbound_reports: number;
  suppression_kept: boolean;
}

/**
 * Erases one person from a project: the content of every message to them (subject, bodies,
 * headers, metadata, attachments and stored MIME) is deleted and their address is replaced by
 * its keyed hash in messages, events and the suppression list, which keeps the entry so an
 * unsubscribe or bounce is still honoured. Safe to repeat.
 */
export async function eraseRecipient(
  c: Collections,
  projectId: string,
  address: string,
): Promise<ErasureReport> {
  const recipient = normalizeAddress(address);
  const hashed = await erasedAddress(c, recipient);
  const messages = await c.messages
    .find({ project_id: projectId, recipient }, { projection: { _id: 1, attachments: 1, raw_mime: 1 } })
    .toArray();
  const ids = messages.map((m) => m._id);
  let files = 0;
  for (const m of messages) files += await deleteMessageFiles(c, m);
  if (ids.length)
    await c.messages.updateMany(
      { _id: { $in: ids } },
      {
        $set: {
          recipient: hashed,
          subject: '',
          headers: {},
          metadata: {},
          attachments: [],
          erased_at: new Date(),
        },
        $unset: { html: '', text: '', raw_mime: '', sealed: '', recipient_name: '' },
      },
    );
  const events = ids.length
    ? (await c.events.updateMany({ message_id: { $in: ids } }, { $set: { recipient: hashed } })).modifiedCount
    : 0;
  const testDeliveries = ids.length
    ? await deleteOnIndex(c.testDeliveries, { message_id: { $in: ids } }, INDEX.testDeliveriesByMessage)
    : 0;
  const inbound = ids.length
    ? await deleteOnIndex(c.inbound, { message_id: { $in: ids } }, INDEX.inboundByMessage)
    : 0;
  const suppression = await c.suppressions.findOne({ _id: suppressionId(projectId, recipient) });
  if (suppression) {
    const kept = { ...suppression, _id: `${projectId}:${hashed}`, recipient: hashed };
    await c.suppressions.replaceOne({ _id: kept._id }, kept, { upsert: true });
    await c.suppressions.deleteOne({ _id: suppression._id });
  }
  // Also true on a repeated erasure, which finds the entry already under the hash.
  const kept =
    suppression !== null || (await c.suppressions.findOne({ _id: `${projectId}:${hashed}` })) !== null;
  return {
    recipient: hashed,
    messages: ids.length,
    events,
    files,
    test_deliveries: testDeliveries,
    inbound_reports: inbound,
    suppression_kept: kept,
  };
}
