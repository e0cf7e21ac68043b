import type { ApiKeyDoc, Scope } from '../db/documents';

/** Who is calling: the live API key a request or an SMTP session was authenticated with. */
export interface AuthContext {
  keyId: string;
  projectId: string;
  scopes: Scope[];
  domains?: string[];
  testMode: boolean;
  /** The limit in force: the key's own, else its project plan's. */
  rateLimitPerMinute?: number;
  /** The key's own limit, if it has one (keys it creates may not exceed it). */
  keyRateLimit?: number;
}

export function authContextOf(key: ApiKeyDoc): AuthContext {
  return {
    keyId: key._id,
    projectId: key.project_id,
    scopes: key.scopes,
    domains: key.domains,
    testMode: key.test_mode,
    rateLimitPerMinute: key.rate_limit_per_minute,
    keyRateLimit: key.rate_limit_per_minute,
  };
}

/** `admin` implies every scope; `read` and `send` are independent. */
export function hasScope(auth: AuthContext, scope: Scope): boolean {
  return auth.scopes.includes('admin') || auth.scopes.includes(scope);
}
