import type { Binary, ObjectId } from 'mongodb';
import type { BounceCategory } from '../contracts/bounceReasons';
import type {
  AccountEventType,
  MessageStatus,
  MessageType,
  Priority,
  SuppressionReason,
} from '../contracts/statuses';
import type { AttachmentRef } from './attachmentStore';
import type { MaybeSealed, SealedValue } from './sealedFields';

export interface ProjectDoc {
  _id: string;
  name: string;
  created_at: Date;
  /** Set by the reputation guard; new sends get 403 account_suspended until cleared. */
  suspended_at?: Date;
  suspended_reason?: string;
  bounce_rate_threshold?: number;
  /** The sender used when a send names none (`"Name" <addr>` or a bare address). */
  default_from?: string;
  /** Limits set by operators (`npm run keys -- plan`); absent fields take the defaults. */
  plan?: ProjectPlan;
  /** The UTC day the automatic tier upgrade was last checked (on the first send of the day). */
  tier_checked_day?: string;
  /** Set when a day's sends crossed the tier's guideline: the project is up for review. */
  review?: { flagged_at: Date; day: string; reason: string };
  /** How long content and records are kept; absent fields take the defaults (retention.ts). */
  retention?: { content_retention_days?: number; metadata_retention_days?: number; store_content?: boolean };
  /** Messages created before this have had their content purged when final (retention.ts). */
  content_purged_through?: Date;
}

export type Tier = 'new' | 'trusted';

export interface ProjectPlan {
  tier?: Tier;
  /** Requests per minute for the project's keys that set no limit of their own. */
  rate_limit_per_minute?: number;
  /** Hard quotas on accepted messages: sends beyond them are refused. */
  daily_quota?: number;
  monthly_quota?: number;
  /** Most recipients one request may address (the team REST dialect's contact limit). */
  contact_limit?: number;
  /** False pauses transactional sending in the team REST dialect ("add-on not active"). */
  transactional_enabled?: boolean;
}

export type Scope = 'send' | 'read' | 'admin';

export interface ApiKeyDoc {
  _id: string;
  project_id: string;
  name: string;
  /** First characters of the secret, shown in listings so people can tell keys apart. */
  prefix: string;
  /** SHA-256 of the secret: secrets are 192-bit random, so a fast hash is enough. */
  secret_hash: string;
  scopes: Scope[];
  domains?: string[];
  test_mode: boolean;
  rate_limit_per_minute?: number;
  created_at: Date;
  revoked_at?: Date;
}

export interface RouteDoc {
  _id: string;
  project_id: string;
  name: string;
  /** Absent on routes stored before route types: those are relays. */
  type?: 'relay' | 'mx';
  /** Relays: smtp(s)://user:pass@host:port; sealed at rest when a key is set (it carries credentials). */
  url?: MaybeSealed;
  tls: 'opportunistic' | 'required' | 'none' | 'implicit';
  /** Name of an IP pool (SENDFLOW_IP_POOLS) to send from. */
  ip_pool?: string;
  pool_size: number;
  /** Lower first among matching routes. */
  position: number;
  match: { recipient_domains?: string[]; message_types?: string[]; priorities?: string[] };
  created_at: Date;
}

export interface SmtpResult {
  /** Name of the route that carried the attempt (`default` for SMTP_URL). */
  route?: string;
  code?: number;
  enhanced_code?: string;
  response?: string;
  remote_mta?: string;
  queue_id?: string;
  error_code?: string;
  /** The TLS the transaction ran over, when direct delivery upgraded the session. */
  tls?: { version: string; cipher: string };
}

/** How a message came in: the HTTP API (also when absent, on older documents) or the SMTP relay. */
export type MessageSource = 'api' | 'smtp';

/**
 * A message submitted over SMTP, kept byte for byte as submitted: inside the message document
 * up to 256 KB, else in GridFS (one file per submission, shared by its recipients' messages).
 */
export interface RawMimeRef {
  size: number;
  /** The submission declared or carried 8-bit content: delivery asks for BODY=8BITMIME. */
  eight_bit: boolean;
  inline?: Binary;
  gridfs_id?: ObjectId;
}

export interface MessageDoc {
  _id: string;
  source?: MessageSource;
  project_id: string;
  idempotency_key: string;
  /** Hash of the normalized request; a replay with another payload is a 409. */
  request_hash: string;
  workflow_id: string;
  status: MessageStatus;
  from: string;
  from_name?: string;
  recipient: string;
  /** Display name the sender gave the recipient (`"Ada" <ada@…>`), shown in To. */
  recipient_name?: string;
  recipient_domain: string;
  subject: string;
  html?: string;
  text?: string;
  reply_to?: string;
  headers: Record<string, string>;
  /** Relay messages list what their raw MIME carries (neither inline nor GridFS content). */
  attachments: AttachmentRef[];
  /** Relay messages: delivered from this MIME instead of composed from the fields above. */
  raw_mime?: RawMimeRef;
  /** Relay messages: the submitted MAIL FROM, the return path when no bounce domain is set. */
  envelope_from?: string;
  tags: string[];
  metadata: Record<string, string>;
  message_type: MessageType;
  priority: Priority;
  scheduled_time?: Date;
  /** RFC 5322 Message-ID, fixed at accept time so every attempt carries the same one. */
  message_id_header: string;
  /** Template the content was rendered from, at the version current when accepted. */
  template?: { id: string; name: string; version: number };
  attempts: number;
  /** The attempt that last began sending: a worker lost after this left its outcome unknown. */
  sending_attempt?: number;
  last_smtp?: SmtpResult;
  bounce_type?: 'hard' | 'soft';
  bounce_category?: BounceCategory;
  reason?: string;
  test: boolean;
  created_at: Date;
  updated_at: Date;
  delivered_at?: Date;
  /**
   * With an encryption key: the content, sealed (src/messages/messageContent.ts); subject,
   * headers and metadata above are then empty and the bodies and inline bytes absent.
   */
  sealed?: { summary: SealedValue; body?: SealedValue };
  /** Set when the recipient was erased: content gone, `recipient` is its keyed hash. */
  erased_at?: Date;
  /** Set by an operator's reroute: the next attempts go through this route (or `default`). */
  route_override?: string;
  /** When a deferred (or unknown) message's next attempt is due; null in other statuses. */
  next_attempt_at?: Date | null;
  /** Deliveries the reconciler started again after their workflow was lost. */
  restarts?: number;
  /** Set when retention removed the bodies, attachments and MIME (the summary stays). */
  content_purged_at?: Date | null;
}

/** A message's tag, for listing by tag: `${message_id}:${tag}`. */
export interface MessageTagDoc {
  _id: string;
  project_id: string;
  tag: string;
  message_id: string;
  created_at: Date;
}

export interface EventDoc {
  /** `${message_id}:${type}:${attempt}` so a retried write is a no-op. */
  _id: string;
  project_id: string;
  /** Per-project, gap-free, increasing in commit order: the cursor of /v1/events and SSE. */
  seq: number;
  message_id: string;
  recipient?: string;
  type: `email.${MessageStatus}` | AccountEventType;
  /** Set on message events; account events have `details` instead. */
  status?: MessageStatus;
  details?: Record<string, string>;
  created_at: Date;
  attempt?: number;
  smtp?: SmtpResult;
  bounce_type?: 'hard' | 'soft';
  bounce_category?: BounceCategory;
  reason?: string;
  next_attempt_at?: Date;
}

export interface SuppressionDoc {
  /** `${project_id}:${lower-cased address}`: one entry per address and project. */
  _id: string;
  project_id: string;
  recipient: string;
  reason: SuppressionReason;
  source_message_id?: string;
  created_at: Date;
}

export interface TemplateDoc {
  _id: string;
  project_id: string;
  /** Unique per project; messages may name a template by id or by name. */
  name: string;
  description?: string;
  subject: string;
  html?: string;
  text?: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface DomainDoc {
  _id: string;
  project_id: string;
  name: string;
  /** Display name used when a message's `from` is a bare address. */
  default_from_name?: string;
  verification_token: string;
  dkim_selector: string;
  /** Sealed at rest when a key is set. */
  dkim_private_key: MaybeSealed;
  /** Base64 DER of the public key, as published in the DKIM TXT record. */
  dkim_public_key: string;
  status: 'pending' | 'verified';
  verified_at?: Date;
  last_check?: { at: Date; verification_txt: boolean; dkim_txt: boolean; error?: string };
  created_at: Date;
}

export interface TestDeliveryDoc {
  /** `${message_id}:${attempt}` */
  _id: string;
  message_id: string;
  project_id: string;
  /** The complete MIME message as it would have gone out; sealed at rest when a key is set. */
  raw: MaybeSealed;
  created_at: Date;
}

export interface DeliveryPolicyDoc {
  /** The project id: one policy per project. */
  _id: string;
  retry_schedule: string[];
  /** A list, not a map: domain names contain dots, which field names may not. */
  pacing: { domain: string; per_second?: number; concurrent?: number }[];
  /** IP pool the project's mail leaves from, unless its route names one. */
  ip_pool?: string;
  updated_at: Date;
}

export interface PacingSlotDoc {
  /** `${project_id}:${domain}:slot:${n}` (a concurrent send) or `…:sec${unix second}:${n}` (a start) */
  _id: string;
  holder: string;
  expires_at: Date;
}

export interface WebhookDoc {
  _id: string;
  project_id: string;
  url: string;
  /** Event names, or ['*'] for all (the format's own names). */
  events: string[];
  /** `sendex`: that dialect's event names, body and X-Sendex-Signature; else Standard Webhooks. */
  format?: 'standard' | 'sendex';
  description?: string;
  enabled: boolean;
  /** whsec_<base64 key>: the key signs every delivery (Standard Webhooks); sealed at rest when a key is set. */
  secret: MaybeSealed;
  /** Set on the first failure of a streak, cleared by a success; 3 days of it disables the endpoint. */
  failing_since?: Date;
  disabled_reason?: string;
  created_at: Date;
}

export interface WebhookAttempt {
  at: Date;
  status_code?: number;
  latency_ms: number;
  error?: string;
  response_excerpt?: string;
}

export interface WebhookDeliveryDoc {
  /** `${event _id}|${webhook id}`: one delivery per (event, endpoint). */
  _id: string;
  project_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  /** The event's name in the endpoint's format, when it differs from event_type. */
  event_name?: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: WebhookAttempt[];
  /** Bumped by a manual retry so it runs as a new workflow. */
  round: number;
  next_attempt_at?: Date;
  created_at: Date;
  updated_at: Date;
}

/** Highest event sequence number of a project known to be taken: where allocation starts. */
/**
 * Event counts of one project, UTC day and writing process, `${project_id}:${day}:${writer}`.
 * `counts` is JSON: by hour ("07"), by name ("email.delivered"). A string, not a document:
 * FerretDB decodes a document field by field, and 30 days of 72 counters cost it 30 ms where
 * the string costs 5.
 */
export interface HourlyCountDoc {
  _id: string;
  project_id: string;
  day: string;
  writer: string;
  counts: string;
}

export interface EventHeadDoc {
  _id: string;
  seq: number;
}

/** Claim of an idempotency key: `${project_id}:${sha256(key)}`, looked up by _id alone. */
export interface IdempotencyClaimDoc {
  _id: string;
  message_id: string;
  /** The claiming request's hash: a retry of that request may finish an acceptance it left. */
  request_hash?: string;
  created_at: Date;
}

export interface NumberedTokenDoc {
  /** `${series}` for the head, `${series}:${n}` for token n. */
  _id: string;
  /** On the head: the highest number known to be taken. */
  count?: number;
  expires_at: Date;
}

/** A browser session opened with an API key; `_id` is the SHA-256 of the cookie's value. */
export interface SessionDoc {
  _id: string;
  key_id: string;
  csrf: string;
  created_at: Date;
  expires_at: Date;
}

/** An operator's long-running action; its state lives in its workflow (same id). */
export interface OperationDoc {
  _id: string;
  project_id: string;
  type: 'reencrypt' | 'redrive';
  created_at: Date;
}

/** A key data in the database may be sealed with (sealingKeys.ts). */
export interface SealingKeyDoc {
  _id: string;
  first_used_at: Date;
}

export interface SettingDoc {
  _id: string;
  value: string;
  created_at: Date;
}

/** One message that arrived at the bounce domain, with what it was taken to be. */
export interface InboundReportDoc {
  _id: string;
  /** Set when the report names a message of a project (a verified VERP token). */
  project_id?: string;
  message_id?: string;
  kind: 'bounce' | 'delay' | 'complaint' | 'auto_reply' | 'forged' | 'unrecognized';
  /** What the report changed: `bounced`, `complained`, or nothing. */
  applied?: 'bounced' | 'complained';
  envelope_from: string;
  envelope_to: string[];
  subject?: string;
  recipient?: string;
  status_code?: string;
  diagnostic?: string;
  /** The first 64 KB of the raw message, for inspection. */
  raw_excerpt: string;
  /** When it arrived. */
  created_at: Date;
}
