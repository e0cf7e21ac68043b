import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Keyword search attributes that let an operator find a message in the Temporal UI. The dev
 * server must be started with them registered (scripts/services.sh does).
 */
export const SA_MESSAGE_ID = defineSearchAttributeKey('SendflowMessageId', SearchAttributeType.KEYWORD);
export const SA_PROJECT = defineSearchAttributeKey('SendflowProject', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('SendflowStatus', SearchAttributeType.KEYWORD);
export const SA_RECIPIENT = defineSearchAttributeKey('SendflowRecipient', SearchAttributeType.KEYWORD);
export const SA_RECIPIENT_DOMAIN = defineSearchAttributeKey(
  'SendflowRecipientDomain',
  SearchAttributeType.KEYWORD,
);

export const ALL_SEARCH_ATTRIBUTES = [
  SA_MESSAGE_ID,
  SA_PROJECT,
  SA_STATUS,
  SA_RECIPIENT,
  SA_RECIPIENT_DOMAIN,
];
