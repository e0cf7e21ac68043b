import { ServiceError } from '../contracts/serviceError';
import type { Scope } from '../db/documents';
import type { NewKey } from './apiKeys';
import type { AuthContext } from './authContext';

/**
 * A key may only create keys within its own powers: its scopes, its sender domains, its rate
 * limit and its mode. What the request leaves out is inherited from the creator, so a limited
 * key's children are limited the same way. Anything beyond is 403 forbidden.
 */
export function keyWithinCreator(
  creator: AuthContext,
  wanted: { scopes: Scope[]; domains?: string[]; testMode?: boolean; rateLimitPerMinute?: number },
): Pick<NewKey, 'scopes' | 'domains' | 'testMode' | 'rateLimitPerMinute'> {
  const creatorScopes = creator.scopes.includes('admin') ? ['send', 'read', 'admin'] : creator.scopes;
  const beyond = wanted.scopes.filter((s) => !creatorScopes.includes(s));
  if (beyond.length) throw forbidden(`scopes ${beyond.join(', ')} that this key does not have`);

  let domains = wanted.domains;
  if (creator.domains) {
    domains = domains ?? creator.domains;
    const outside = domains.filter((d) => !creator.domains?.includes(d));
    if (outside.length) throw forbidden(`sender domains ${outside.join(', ')} outside this key's domains`);
  }

  const testMode = wanted.testMode ?? creator.testMode;
  if (creator.testMode && !testMode) throw forbidden('a live key: this is a test-mode key');

  // The creator's own limit is inherited; its limit in force (its own or its plan's) caps.
  const rateLimitPerMinute = wanted.rateLimitPerMinute ?? creator.keyRateLimit;
  const cap = creator.rateLimitPerMinute;
  if (rateLimitPerMinute !== undefined && cap !== undefined && rateLimitPerMinute > cap)
    throw forbidden(`a rate limit above this key's ${cap} requests per minute`);
  return { scopes: wanted.scopes, domains, testMode, rateLimitPerMinute };
}

function forbidden(what: string): ServiceError {
  return new ServiceError('forbidden', `This API key may not create a key with ${what}.`);
}
