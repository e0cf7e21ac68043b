import type { DeliverMessageInput } from '../contracts/deliveryInput';
import type { MessageDoc } from '../db/documents';
import type { MessageWorkflowStart } from '../temporal/messageWorkflows';

/** The workflow's summary in the Temporal UI: whom the mail is for and what it is about. */
function summaryOf(m: MessageDoc): string {
  const line = m.subject ? `${m.recipient} · ${m.subject}` : m.recipient;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function detailsOf(m: MessageDoc): string {
  return [
    `**Message** ${m._id} (project ${m.project_id})`,
    `**From** ${m.from} · **To** ${m.recipient}`,
    `**Type** ${m.message_type} · **Priority** ${m.priority}${m.test ? ' · test mode' : ''}`,
    ...(m.scheduled_time ? [`**Scheduled for** ${m.scheduled_time.toISOString()}`] : []),
    ...(m.tags.length ? [`**Tags** ${m.tags.join(', ')}`] : []),
  ].join('\n\n');
}

/**
 * How a message's delivery workflow is started: at acceptance, or by the reconciler after its
 * workflow was lost (`resume`: the attempts already made, and why it starts again).
 */
export function workflowStartOf(
  m: MessageDoc,
  retryScheduleMs: number[],
  resume?: DeliverMessageInput['resume'],
): MessageWorkflowStart {
  return {
    summary: summaryOf(m),
    details: detailsOf(m),
    workflowId: m.workflow_id,
    priority: m.priority,
    initialStatus: m.scheduled_time ? ('scheduled' as const) : ('queued' as const),
    input: {
      messageId: m._id,
      projectId: m.project_id,
      recipient: m.recipient,
      recipientDomain: m.recipient_domain,
      messageType: m.message_type,
      scheduledTime: m.scheduled_time?.toISOString(),
      acceptedAt: m.created_at.toISOString(),
      retryScheduleMs,
      ...(resume ? { resume } : {}),
    },
  };
}
