import { randomBytes } from 'node:crypto';
import { ServiceError } from '../contracts/serviceError';
import type { ApiKeyDoc, Scope } from '../db/documents';
import { newId, sha256Hex } from '../db/ids';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';

export const DEFAULT_PROJECT_ID = 'proj_default';
const BOOTSTRAP_KEY_ID = 'key_bootstrap';

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

export function generateSecret(testMode: boolean): string {
  return `${testMode ? 'sf_test_' : 'sf_live_'}${randomBytes(24).toString('base64url')}`;
}

export async function ensureProject(c: Collections, projectId: string, name: string): Promise<void> {
  await c.projects.updateOne(
    { _id: projectId },
    { $setOnInsert: { name, created_at: new Date() } },
    { upsert: true },
  );
}

export interface NewKey {
  projectId: string;
  name: string;
  scopes: Scope[];
  domains?: string[];
  testMode?: boolean;
  rateLimitPerMinute?: number;
}

/** Creates a key and returns its secret; only the hash is stored. */
export async function createApiKey(
  c: Collections,
  input: NewKey,
): Promise<{ key: ApiKeyDoc; secret: string }> {
  const secret = generateSecret(input.testMode ?? false);
  const key: ApiKeyDoc = {
    _id: newId('key'),
    project_id: input.projectId,
    name: input.name,
    prefix: secret.slice(0, 12),
    secret_hash: hashSecret(secret),
    scopes: input.scopes,
    test_mode: input.testMode ?? false,
    created_at: new Date(),
  };
  if (input.domains?.length) key.domains = input.domains.map((d) => d.toLowerCase());
  if (input.rateLimitPerMinute) key.rate_limit_per_minute = input.rateLimitPerMinute;
  await c.apiKeys.insertOne(key);
  return { key, secret };
}

/** Makes SENDFLOW_BOOTSTRAP_KEY an admin key of the default project (and only that secret). */
export async function ensureBootstrapKey(c: Collections, secret: string): Promise<void> {
  await ensureProject(c, DEFAULT_PROJECT_ID, 'Default project');
  const secretHash = hashSecret(secret);
  const existing = await c.apiKeys.findOne({ _id: BOOTSTRAP_KEY_ID });
  if (existing?.secret_hash === secretHash && !existing.revoked_at) return;
  await c.apiKeys.deleteOne({ _id: BOOTSTRAP_KEY_ID });
  await c.apiKeys.updateOne(
    { secret_hash: secretHash },
    {
      $setOnInsert: {
        _id: BOOTSTRAP_KEY_ID,
        project_id: DEFAULT_PROJECT_ID,
        name: 'bootstrap (SENDFLOW_BOOTSTRAP_KEY)',
        prefix: secret.slice(0, 12),
        scopes: ['admin'],
        test_mode: false,
        created_at: new Date(),
      },
    },
    { upsert: true },
  );
}

export async function findActiveKey(c: Collections, secret: string): Promise<ApiKeyDoc | null> {
  const key = await c.apiKeys.findOne({ secret_hash: hashSecret(secret) }, { hint: INDEX.keySecret });
  return key && !key.revoked_at ? key : null;
}

/** The project's keys that still work, newest first. */
export function listLiveKeys(c: Collections, projectId: string): Promise<ApiKeyDoc[]> {
  return c.apiKeys
    .find({ project_id: projectId, revoked_at: { $exists: false } })
    .sort({ created_at: -1 })
    .hint(INDEX.projectKeys)
    .toArray();
}

/** Revokes a live key of the project; requests with it fail at once (keys are never cached). */
export async function revokeKey(c: Collections, projectId: string, keyId: string): Promise<void> {
  const result = await c.apiKeys.updateOne(
    { _id: keyId, project_id: projectId, revoked_at: { $exists: false } },
    { $set: { revoked_at: new Date() } },
  );
  if (result.matchedCount === 0) throw new ServiceError('not_found', `No API key ${keyId}.`);
}
