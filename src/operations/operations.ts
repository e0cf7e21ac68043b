import { DEFAULT_PROJECT_ID } from '../accounts/apiKeys';
import type { Operation, ReencryptionRequest } from '../contracts/operationSchemas';
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
  return {
    ...view(doc),
    status: run.status,
    progress: run.progress
      ? {
          target: REENCRYPTION_TARGETS[run.progress.target] ?? null,
          rewritten: run.progress.rewritten,
          batches: run.progress.batches,
        }
      : null,
    result: run.result ?? null,
  };
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
