import { DEFAULT_PROJECT_ID } from '../accounts/apiKeys';
import type { Operation, RedriveRequest, ReencryptionRequest } from '../contracts/operationSchemas';
import { REENCRYPTION_TARGETS } from '../contracts/reencryption';
import { ServiceError } from '../contracts/serviceError';
import type { OperationDoc } from '../db/documents';
import { newId } from '../db/ids';
import type { Collections } from '../db/mongo';
import type { OperationWorkflows } from '../temporal/operationWorkflows';

/**
 * Starts re-encryption of everything stored under an old key. Deployment-wide, so only the
 * operator's (default) project may; the worker must hold the new key and the old ones.
 */
export async function startReencryption(
  c: Collections,
  workflows: OperationWorkflows,
  projectId: string,
  request: ReencryptionRequest,
): Promise<Operation> {
  if (projectId !== DEFAULT_PROJECT_ID)
    throw new ServiceError('forbidden', 'Only admin keys of the default project may start a re-encryption.');
  if (!c.sealer.currentKeyId)
    throw new ServiceError(
      'validation_failed',
      'SENDFLOW_ENCRYPTION_KEY is not set: there is no key to re-encrypt with.',
    );
  const id = newId('op', 20);
  const doc: OperationDoc = { _id: id, project_id: projectId, type: 'reencrypt', created_at: new Date() };
  await c.operations.insertOne(doc);
  await workflows.startReencryption(id, request.batch_size);
  return {
    ...view(doc),
    status: 'running',
    progress: { target: REENCRYPTION_TARGETS[0], rewritten: {}, batches: 0 },
  };
}

export async function getOperation(
  c: Collections,
  workflows: OperationWorkflows,
  projectId: string,
  id: string,
): Promise<Operation> {
  const doc = await c.operations.findOne({ _id: id, project_id: projectId });
  if (!doc) throw new ServiceError('not_found', `No operation ${id} in this project.`);
  const run = await workflows.describe(id);
  if (!run) throw new ServiceError('not_found', `Operation ${id} is past Temporal's retention.`);
  const progress = run.progress;
  return {
    ...view(doc),
    status: run.status,
    progress: !progress
      ? null
      : 'target' in progress
        ? {
            target: REENCRYPTION_TARGETS[progress.target] ?? null,
            rewritten: progress.rewritten,
            batches: progress.batches,
          }
        : progress,
    result: run.result ?? null,
  };
}

/**
 * Pushes the project's messages matching the filter to attempt now, paced (a workflow of its
 * own, cancellable): "the relay was down for two hours, send every deferred one to gmail.com".
 */
export async function startRedrive(
  c: Collections,
  workflows: OperationWorkflows,
  projectId: string,
  request: RedriveRequest,
): Promise<Operation> {
  const id = newId('op', 20);
  const doc: OperationDoc = { _id: id, project_id: projectId, type: 'redrive', created_at: new Date() };
  await c.operations.insertOne(doc);
  const f = request.filter;
  await workflows.startRedrive(id, {
    projectId,
    ratePerSecond: request.rate_per_second,
    filter: {
      status: f.status,
      ...(f.recipient_domain ? { recipientDomain: f.recipient_domain.toLowerCase() } : {}),
      ...(f.route ? { route: f.route } : {}),
      ...(f.created_after ? { createdAfter: f.created_after } : {}),
      ...(f.created_before ? { createdBefore: f.created_before } : {}),
    },
  });
  return { ...view(doc), status: 'running', progress: { matched: 0, retried: 0, refused: 0 } };
}

/** Stops a running operation; what it already did stays done. */
export async function cancelOperation(
  c: Collections,
  workflows: OperationWorkflows,
  projectId: string,
  id: string,
): Promise<Operation> {
  const current = await getOperation(c, workflows, projectId, id);
  if (current.status !== 'running')
    throw new ServiceError('invalid_state', `Operation ${id} is already ${current.status}.`);
  await workflows.cancel(id);
  return getOperation(c, workflows, projectId, id);
}

function view(doc: OperationDoc): Omit<Operation, 'status' | 'progress'> {
  return {
    id: doc._id,
    type: doc.type,
    created_at: doc.created_at.toISOString(),
    workflow_id: doc._id,
    result: null,
  };
}
