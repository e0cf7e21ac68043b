import { randomBytes } from 'node:crypto';
import type { ApiKeyDoc } from '../db/documents';
import { sha256Hex } from '../db/ids';
import type { Collections } from '../db/mongo';

/** How long a browser session lasts; the key it was opened with must stay live throughout. */
export const SESSION_HOURS = 8;

export interface OpenedSession {
  /** The cookie's value: only its hash is stored. */
  token: string;
  /** Sent back in X-CSRF-Token on every state-changing request made with the cookie. */
  csrf: string;
  expiresAt: Date;
}

/** A browser session standing for an API key (the console's and the Temporal UI's sign-in). */
export async function openSession(c: Collections, key: ApiKeyDoc, now = new Date()): Promise<OpenedSession> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
  await c.sessions.insertOne({
    _id: sha256Hex(token),
    key_id: key._id,
    csrf,
    created_at: now,
    expires_at: expiresAt,
  });
  return { token, csrf, expiresAt };
}

/** The live key behind a session cookie, with its CSRF token; null when expired, closed or revoked. */
export async function findSessionKey(
  c: Collections,
  token: string,
  now = new Date(),
): Promise<{ key: ApiKeyDoc; csrf: string; expiresAt: Date } | null> {
  const session = await c.sessions.findOne({ _id: sha256Hex(token) });
  if (!session || session.expires_at <= now) return null;
  const key = await c.apiKeys.findOne({ _id: session.key_id });
  return key && !key.revoked_at ? { key, csrf: session.csrf, expiresAt: session.expires_at } : null;
}

export async function closeSession(c: Collections, token: string): Promise<void> {
  await c.sessions.deleteOne({ _id: sha256Hex(token) });
}
