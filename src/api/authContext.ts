import type { Scope } from '../db/documents';

/** Who is calling: the live API key a request was authenticated with. */
export interface AuthContext {
  keyId: string;
  projectId: string;
  scopes: Scope[];
  domains?: string[];
  testMode: boolean;
  rateLimitPerMinute?: number;
}

/** `admin` implies every scope; `read` and `send` are independent. */
export function hasScope(auth: AuthContext, scope: Scope): boolean {
  return auth.scopes.includes('admin') || auth.scopes.includes(scope);
}
