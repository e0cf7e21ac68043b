import { type Db, MongoClient, MongoServerError } from 'mongodb';
import { type Keyring, UnknownKeyError } from '../crypto/keyring';
import { profileCommands } from './commandProfile';
import type {
  ApiKeyDoc,
  DeliveryPolicyDoc,
  DomainDoc,
  EventDoc,
  EventHeadDoc,
  HourlyCountDoc,
  IdempotencyClaimDoc,
  InboundReportDoc,
  MessageDoc,
  MessageTagDoc,
  NumberedTokenDoc,
  OperationDoc,
  PacingSlotDoc,
  ProjectDoc,
  RouteDoc,
  SealingKeyDoc,
  SessionDoc,
  SettingDoc,
  SuppressionDoc,
  TemplateDoc,
  TestDeliveryDoc,
  WebhookDeliveryDoc,
  WebhookDoc,
} from './documents';
import { INDEX } from './indexNames';
import { type FieldSealer, fieldSealer } from './sealedFields';
import { assertSealingKeysHeld, recordSealingKey } from './sealingKeys';
import { type StoredFiles, storedFiles } from './storedFiles';

export interface Collections {
  projects: import('mongodb').Collection<ProjectDoc>;
  apiKeys: import('mongodb').Collection<ApiKeyDoc>;
  messages: import('mongodb').Collection<MessageDoc>;
  /** One entry per tag of a message: listing by tag runs on scalar fields (see indexNames.ts). */
  messageTags: import('mongodb').Collection<MessageTagDoc>;
  events: import('mongodb').Collection<EventDoc>;
  suppressions: import('mongodb').Collection<SuppressionDoc>;
  /** GridFS files of attachments too large to live in the message document. */
  attachmentFiles: StoredFiles;
  /** GridFS files of large MIME submitted over the SMTP relay, one per submission. */
  rawMessages: StoredFiles;
  rateWindows: import('mongodb').Collection<NumberedTokenDoc>;
  templates: import('mongodb').Collection<TemplateDoc>;
  domains: import('mongodb').Collection<DomainDoc>;
  testDeliveries: import('mongodb').Collection<TestDeliveryDoc>;
  deliveryPolicies: import('mongodb').Collection<DeliveryPolicyDoc>;
  pacing: import('mongodb').Collection<PacingSlotDoc>;
  routes: import('mongodb').Collection<RouteDoc>;
  webhooks: import('mongodb').Collection<WebhookDoc>;
  webhookDeliveries: import('mongodb').Collection<WebhookDeliveryDoc>;
  eventHeads: import('mongodb').Collection<EventHeadDoc>;
  /** Event counts per project and hour: analytics and the reputation guard read these. */
  hourlyCounts: import('mongodb').Collection<HourlyCountDoc>;
  idempotencyClaims: import('mongodb').Collection<IdempotencyClaimDoc>;
  /** Deployment-wide values the processes share (the VERP signing key). */
  settings: import('mongodb').Collection<SettingDoc>;
  /** Reports that arrived at the bounce domain, recognised or not. */
  inbound: import('mongodb').Collection<InboundReportDoc>;
  /** Browser sessions (sessions.ts); expired ones are removed by TTL or on sight. */
  sessions: import('mongodb').Collection<SessionDoc>;
  /** Operators' long-running actions (re-encryption). */
  operations: import('mongodb').Collection<OperationDoc>;
  /** Keys data here may be sealed with (sealingKeys.ts). */
  sealingKeys: import('mongodb').Collection<SealingKeyDoc>;
  /** Seals and opens secrets at rest (DKIM keys, route credentials, webhook secrets). */
  sealer: FieldSealer;
}

export interface Database {
  client: MongoClient;
  db: Db;
  collections: Collections;
  close(): Promise<void>;
}

export function collectionsOf(db: Db, sealer: FieldSealer = fieldSealer(undefined)): Collections {
  return {
    sealer,
    projects: db.collection<ProjectDoc>('projects'),
    apiKeys: db.collection<ApiKeyDoc>('api_keys'),
    messages: db.collection<MessageDoc>('messages'),
    messageTags: db.collection<MessageTagDoc>('message_tags'),
    events: db.collection<EventDoc>('events'),
    suppressions: db.collection<SuppressionDoc>('suppressions'),
    attachmentFiles: storedFiles(db, 'attachments', sealer),
    rawMessages: storedFiles(db, 'raw_mime', sealer),
    rateWindows: db.collection<NumberedTokenDoc>('rate_limit_windows'),
    templates: db.collection<TemplateDoc>('templates'),
    domains: db.collection<DomainDoc>('domains'),
    testDeliveries: db.collection<TestDeliveryDoc>('test_deliveries'),
    deliveryPolicies: db.collection<DeliveryPolicyDoc>('delivery_policies'),
    pacing: db.collection<PacingSlotDoc>('pacing_slots'),
    routes: db.collection<RouteDoc>('routes'),
    webhooks: db.collection<WebhookDoc>('webhooks'),
    webhookDeliveries: db.collection<WebhookDeliveryDoc>('webhook_deliveries'),
    eventHeads: db.collection<EventHeadDoc>('event_heads'),
    hourlyCounts: db.collection<HourlyCountDoc>('hourly_counts'),
    idempotencyClaims: db.collection<IdempotencyClaimDoc>('idempotency_claims'),
    settings: db.collection<SettingDoc>('settings'),
    inbound: db.collection<InboundReportDoc>('inbound_reports'),
    sessions: db.collection<SessionDoc>('sessions'),
    operations: db.collection<OperationDoc>('operations'),
    sealingKeys: db.collection<SealingKeyDoc>('sealing_keys'),
  };
}

/** Indexes every query path relies on; created at start-up by API and worker alike. */
export async function ensureIndexes(c: Collections): Promise<void> {
  await Promise.all([
    c.apiKeys.createIndex({ secret_hash: 1 }, { unique: true, name: INDEX.keySecret }),
    c.apiKeys.createIndex({ project_id: 1, created_at: -1 }, { name: INDEX.projectKeys }),
    // Idempotency: one message per key and project, enforced by the database.
    c.messages.createIndex(
      { project_id: 1, idempotency_key: 1 },
      { unique: true, name: 'idempotency_unique' },
    ),
    // Newest-first listing and its filters.
    c.messages.createIndex({ project_id: 1, created_at: -1, _id: -1 }, { name: INDEX.messagesNewest }),
    c.messages.createIndex(
      { project_id: 1, status: 1, created_at: -1, _id: -1 },
      { name: INDEX.messagesByStatus },
    ),
    c.messages.createIndex(
      { project_id: 1, recipient: 1, created_at: -1, _id: -1 },
      { name: INDEX.messagesByRecipient },
    ),
    c.messages.createIndex({ status: 1, updated_at: 1, _id: 1 }, { name: INDEX.messagesQuiet }),
    c.events.createIndex({ message_id: 1, created_at: 1 }, { name: INDEX.eventTimeline }),
    c.events.createIndex({ project_id: 1, seq: 1 }, { unique: true, name: INDEX.eventSequence }),
    c.events.createIndex({ project_id: 1, type: 1, seq: 1 }, { name: INDEX.eventTypeSequence }),
    c.templates.createIndex({ project_id: 1, name: 1 }, { unique: true, name: 'template_name_unique' }),
    c.domains.createIndex({ project_id: 1, name: 1 }, { unique: true, name: 'domain_name_unique' }),
    c.routes.createIndex({ project_id: 1, name: 1 }, { unique: true, name: 'route_name_unique' }),
    c.webhooks.createIndex({ project_id: 1, enabled: 1 }, { name: INDEX.webhooksEnabled }),
    c.inbound.createIndex({ project_id: 1, created_at: -1, _id: -1 }, { name: INDEX.inboundNewest }),
    // The index the driver makes on first upload; made here too, so reads can name it at once.
    ...[c.attachmentFiles, c.rawMessages].map((files) =>
      files.chunks.createIndex({ files_id: 1, n: 1 }, { unique: true, name: INDEX.fileChunks }),
    ),
    c.messageTags.createIndex(
      { project_id: 1, tag: 1, created_at: -1, message_id: -1 },
      { name: INDEX.tagsNewest },
    ),
    c.hourlyCounts.createIndex({ project_id: 1, day: 1 }, { name: INDEX.hourlyCounts }),
    c.suppressions.createIndex(
      { project_id: 1, created_at: -1, _id: -1 },
      { name: INDEX.suppressionsNewest },
    ),
    c.suppressions.createIndex(
      { project_id: 1, reason: 1, created_at: -1, _id: -1 },
      { name: INDEX.suppressionsByReason },
    ),
    c.webhookDeliveries.createIndex(
      { webhook_id: 1, created_at: -1, _id: -1 },
      { name: INDEX.deliveriesNewest },
    ),
    c.webhookDeliveries.createIndex({ event_id: 1 }, { name: INDEX.deliveriesByEvent }),
    c.testDeliveries.createIndex({ message_id: 1 }, { name: INDEX.testDeliveriesByMessage }),
    c.inbound.createIndex({ message_id: 1 }, { name: INDEX.inboundByMessage }),
  ]);
  await ensureExpiryIndex(c.rateWindows, 'window_ttl');
  await ensureExpiryIndex(c.pacing, 'pacing_ttl');
  await ensureExpiryIndex(c.sessions, 'session_ttl');
}

/** Code MongoDB-wire servers use for a feature they lack (FerretDB v1 has no TTL indexes). */
const NOT_IMPLEMENTED = 238;

/**
 * TTL index on `expires_at` where the server has them; otherwise a plain index, and the
 * owner of the collection prunes it itself (rateLimit.ts, pacing.ts).
 */
async function ensureExpiryIndex<T extends { expires_at: Date }>(
  collection: import('mongodb').Collection<T>,
  name: string,
): Promise<void> {
  try {
    await collection.createIndex({ expires_at: 1 }, { expireAfterSeconds: 0, name });
  } catch (err) {
    if (!(err instanceof MongoServerError && err.code === NOT_IMPLEMENTED)) throw err;
    await collection.createIndex({ expires_at: 1 }, { name: `${name}_plain` });
  }
}

export interface ConnectOptions {
  /** Where to write per-command counts and times at exit (SENDFLOW_MONGO_PROFILE). */
  profileFile?: string;
  /** SENDFLOW_ENCRYPTION_KEY and the previous keys: secrets at rest are sealed with it. */
  keyring?: Keyring;
}

/** Secret fields that may be sealed, by collection. */
const SEALED_FIELDS = [
  ['domains', 'dkim_private_key'],
  ['routes', 'url'],
  ['webhooks', 'secret'],
] as const;

/**
 * Refuses to run beside data this process could not open: started without a key (or without
 * an old one) while the database holds values sealed with it. The key registry names every
 * key that ever sealed; the secret collections (small) are also checked value by value, for
 * data sealed before the registry existed.
 */
async function assertSecretsReadable(db: Db, collections: Collections, sealer: FieldSealer): Promise<void> {
  await assertSealingKeysHeld(collections.sealingKeys, sealer.keyIds);
  for (const [collection, field] of SEALED_FIELDS) {
    const stranded = await db
      .collection(collection)
      .findOne({ [`${field}.kid`]: { $exists: true, $nin: sealer.keyIds } }, { projection: { [field]: 1 } });
    if (stranded) {
      const kid = (stranded[field] as { kid: string }).kid;
      throw new UnknownKeyError(kid);
    }
  }
}

export async function connectDatabase(uri: string, options: ConnectOptions = {}): Promise<Database> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 10_000,
    appName: 'sendflow',
    monitorCommands: options.profileFile !== undefined,
  });
  if (options.profileFile) profileCommands(client, options.profileFile);
  await client.connect();
  const db = client.db();
  const sealer = fieldSealer(options.keyring);
  const collections = collectionsOf(db, sealer);
  await ensureIndexes(collections);
  try {
    await assertSecretsReadable(db, collections, sealer);
    if (sealer.currentKeyId) await recordSealingKey(collections.sealingKeys, sealer.currentKeyId);
  } catch (err) {
    await client.close();
    throw err;
  }
  return { client, db, collections, close: () => client.close() };
}
