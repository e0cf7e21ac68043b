import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DEFAULT_PROJECT_ID } from '../accounts/apiKeys';
import type { Config } from '../config';
import type { DomainDoc } from '../db/documents';
import { newId } from '../db/ids';
import type { Collections } from '../db/mongo';
import { type OwnedRepository, ownedRepository } from '../db/ownedRepository';
import { type DnsResolver, isNoAnswer } from './dnsResolver';

const generateKeyPairAsync = promisify(generateKeyPair);

export const VERIFICATION_HOST = '_sendflow';

export async function generateDkimKeys(): Promise<{ privateKey: string; publicKey: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** The records a domain owner publishes: ownership proof and DKIM key. */
export function dnsRecordsFor(
  d: Pick<DomainDoc, 'name' | 'verification_token' | 'dkim_selector' | 'dkim_public_key'>,
) {
  return [
    {
      purpose: 'verification' as const,
      type: 'TXT' as const,
      name: `${VERIFICATION_HOST}.${d.name}`,
      value: `sendflow-verification=${d.verification_token}`,
    },
    {
      purpose: 'dkim' as const,
      type: 'TXT' as const,
      name: `${d.dkim_selector}._domainkey.${d.name}`,
      value: `v=DKIM1; k=rsa; p=${d.dkim_public_key}`,
    },
  ];
}

async function txtRecords(resolver: DnsResolver, name: string): Promise<string[]> {
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (err) {
    if (isNoAnswer(err)) return [];
    throw err;
  }
}

/** Looks up both records; the domain is verified when both are published as given. */
export async function checkDomainDns(resolver: DnsResolver, d: DomainDoc) {
  const [verification, dkim] = await Promise.all([
    txtRecords(resolver, `${VERIFICATION_HOST}.${d.name}`),
    txtRecords(resolver, `${d.dkim_selector}._domainkey.${d.name}`),
  ]);
  const verificationOk = verification.some(
    (t) => t.trim() === `sendflow-verification=${d.verification_token}`,
  );
  const dkimOk = dkim.some((t) => t.replace(/\s+/g, '').includes(`p=${d.dkim_public_key}`));
  return { verification_txt: verificationOk, dkim_txt: dkimOk };
}

/**
 * Whether the operator's list (SENDFLOW_VERIFIED_DOMAINS) vouches for a domain for this project:
 * a plain `domain` belongs to the default project only, `domain:proj_x` to that project,
 * `domain:*` to every project. Other projects prove a domain through DNS.
 */
export function operatorVerified(list: string[], projectId: string, domain: string): boolean {
  return list.some((entry) => {
    const [name, project] = entry.split(':');
    if (name !== domain) return false;
    return project === undefined
      ? projectId === DEFAULT_PROJECT_ID
      : project === '*' || project === projectId;
  });
}

/** Verified by the operator's list (SENDFLOW_VERIFIED_DOMAINS) or by a DNS check of the project. */
export async function findSenderDomain(
  config: Pick<Config, 'SENDFLOW_VERIFIED_DOMAINS'>,
  c: Collections,
  projectId: string,
  domain: string,
): Promise<{ verified: boolean; record: DomainDoc | null }> {
  const record = await c.domains.findOne({ project_id: projectId, name: domain });
  const verified =
    operatorVerified(config.SENDFLOW_VERIFIED_DOMAINS, projectId, domain) || record?.status === 'verified';
  return { verified, record };
}

/** Sender domains of a project, by name. */
export function domainRepository(c: Collections) {
  return ownedRepository<DomainDoc>(c.domains, { noun: 'domain', sort: { name: 1 } });
}

/** A new, unverified domain with its own DKIM key and ownership token. */
export async function newSenderDomain(
  c: Pick<Collections, 'sealer'>,
  projectId: string,
  input: { name: string; default_from_name?: string },
): Promise<DomainDoc> {
  const keys = await generateDkimKeys();
  const _id = newId('dom');
  const doc: DomainDoc = {
    _id,
    project_id: projectId,
    name: input.name,
    verification_token: randomBytes(16).toString('hex'),
    dkim_selector: `sf${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`,
    dkim_private_key: c.sealer.seal(keys.privateKey, ['domains', _id, 'dkim_private_key']),
    dkim_public_key: keys.publicKey,
    status: 'pending',
    created_at: new Date(),
  };
  if (input.default_from_name) doc.default_from_name = input.default_from_name;
  return doc;
}

/** Looks the records up now and stores the result; verified once both are published. */
export async function verifySenderDomain(
  domains: OwnedRepository<DomainDoc>,
  resolver: DnsResolver,
  projectId: string,
  id: string,
): Promise<DomainDoc> {
  const d = await domains.get(projectId, id);
  const now = new Date();
  let check: NonNullable<DomainDoc['last_check']>;
  try {
    check = { at: now, ...(await checkDomainDns(resolver, d)) };
  } catch (err) {
    check = {
      at: now,
      verification_txt: false,
      dkim_txt: false,
      error: `DNS lookup failed: ${(err as Error).message}`,
    };
  }
  const set: Partial<DomainDoc> = { last_check: check };
  if (check.verification_txt && check.dkim_txt && d.status !== 'verified') {
    set.status = 'verified';
    set.verified_at = now;
  }
  return domains.update(d, { $set: set });
}
