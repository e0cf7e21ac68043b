/** The console's only way to the server: the API, with the session cookie and its CSRF token. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  project_id: string;
  scopes: ('send' | 'read' | 'admin')[];
  csrf_token: string;
  expires_at: string;
}

let csrfToken: string | undefined;

/** Fired when the API no longer knows the session (expired, signed out elsewhere, key revoked). */
export const SESSION_ENDED = 'sendflow:session-ended';

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? 'error', body.message ?? res.statusText);
  return body as T;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && csrfToken) {
    csrfToken = undefined;
    dispatchEvent(new Event(SESSION_ENDED));
  }
  return answer<T>(res);
}

/** The session of the cookie this browser holds, if any. */
export async function currentSession(): Promise<Session | null> {
  try {
    const session = await api<Session>('GET', '/v1/sessions/current');
    csrfToken = session.csrf_token;
    return session;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 422)) return null;
    throw err;
  }
}

/** Exchanges an API key for the session cookie; the key is not kept anywhere in the page. */
export async function signIn(key: string): Promise<Session> {
  const res = await fetch('/v1/sessions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    credentials: 'same-origin',
  });
  const session = await answer<Session>(res);
  csrfToken = session.csrf_token;
  return session;
}

export async function signOut(): Promise<void> {
  await api('DELETE', '/v1/sessions/current');
  csrfToken = undefined;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** A query string from the filled-in fields only. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
