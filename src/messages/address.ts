import addressparser from 'nodemailer/lib/addressparser';

// Pragmatic RFC 5322 addr-spec check: dot-atom local part (UTF-8 allowed, RFC 6531: delivery
// then asks the next hop for SMTPUTF8), dotted ASCII domain with a TLD-like label.
const ADDR_SPEC =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u00A0-\uFFFF-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u00A0-\uFFFF-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$/;

const ADDR_SPEC_BODY = ADDR_SPEC.source.slice(1, -1);
/** The address rule as a pattern an API description can carry (JSON Schema `pattern`). */
export const ADDRESS_PATTERN = ADDR_SPEC;
/** A bare address or `Name <address>` / `"Name" <address>`. */
export const MAILBOX_PATTERN = new RegExp(`^(?:${ADDR_SPEC_BODY}|[^<>\\r\\n]*<${ADDR_SPEC_BODY}>)$`);

export interface Mailbox {
  name?: string;
  address: string;
}

export function isAddress(value: string): boolean {
  return value.length <= 254 && ADDR_SPEC.test(value);
}

/** Parses `addr@x.test` or `"Name" <addr@x.test>`; null when it is not exactly one valid mailbox. */
export function parseMailbox(value: string): Mailbox | null {
  if (/[\r\n]/.test(value)) return null;
  const parsed = addressparser(value.trim());
  if (parsed.length !== 1 || 'group' in parsed[0]) return null;
  const { name, address } = parsed[0] as { name: string; address: string };
  if (!address || !isAddress(address)) return null;
  return name ? { name, address } : { address };
}

/** `"Name" <address>` for a send request (quotes and backslashes dropped from the name), or the bare address. */
export function formatMailbox(mailbox: Mailbox): string {
  return mailbox.name ? `"${mailbox.name.replace(/["\\]/g, '')}" <${mailbox.address}>` : mailbox.address;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Suppressions and lookups compare addresses case-insensitively. */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}
