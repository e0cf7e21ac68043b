/**
 * Names of the indexes queries run on. A query names its index (`hint`): MongoDB then uses it as
 * told, and our FerretDB build runs the filter, order and limit on it in SQLite instead of
 * reading the whole collection (scripts/ferretdb/index-pushdown.patch). Every field of a hinted
 * index holds one scalar type (never an array): that is the build's condition for using it.
 */
export const INDEX = {
  keySecret: 'secret_hash_unique',
  projectKeys: 'project_keys',
  messagesNewest: 'project_newest',
  messagesByStatus: 'project_status_newest',
  messagesByRecipient: 'project_recipient_newest',
  /** The reconciler's walk: unfinished messages by how long they have been quiet. */
  messagesQuiet: 'status_quiet',
  tagsNewest: 'project_tag_newest',
  eventTimeline: 'message_timeline',
  eventSequence: 'project_sequence',
  eventTypeSequence: 'project_type_sequence',
  suppressionsNewest: 'project_suppressions_newest',
  suppressionsByReason: 'project_reason_suppressions_newest',
  webhooksEnabled: 'project_webhooks',
  inboundNewest: 'project_inbound_newest',
  deliveriesNewest: 'webhook_deliveries_newest',
  hourlyCounts: 'project_day_counts',
  /** Retention and erasure remove these with their message or event. */
  deliveriesByEvent: 'webhook_deliveries_event',
  testDeliveriesByMessage: 'test_deliveries_message',
  inboundByMessage: 'inbound_message',
  /** GridFS's own chunk index (the driver's name), in every bucket. */
  fileChunks: 'files_id_1_n_1',
} as const;
