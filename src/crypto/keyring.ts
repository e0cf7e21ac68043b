import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A value sealed with AES-256-GCM: which key, and nonce | ciphertext | tag. */
export interface Sealed {
  keyId: string;
  bytes: Buffer;
}

/** Data sealed with a key this process was not given: never guessed at, always named. */
export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(
      `data is encrypted with key ${keyId}, which this process does not have (SENDFLOW_ENCRYPTION_OLD_KEYS)`,
    );
    this.name = 'UnknownKeyError';
  }
}

/** A key's id: public, stored beside what it sealed, so rotation knows what to read with. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The current key, which seals, and the previous ones, which only open. Each seal takes a
 * fresh random nonce; associated data binds a value to where it belongs.
 */
export class Keyring {
  readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('encryption keys are 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentId = keyIdOf(current);
  }

  seal(plaintext: Uint8Array, associated?: Uint8Array): Sealed {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, nonce);
    if (associated) cipher.setAAD(associated);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: this.currentId, bytes: Buffer.concat([nonce, body, cipher.getAuthTag()]) };
  }

  open(sealed: Sealed, associated?: Uint8Array): Buffer {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new UnknownKeyError(sealed.keyId);
    const nonce = sealed.bytes.subarray(0, NONCE_BYTES);
    const tag = sealed.bytes.subarray(sealed.bytes.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    if (associated) decipher.setAAD(associated);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.bytes.subarray(NONCE_BYTES, -TAG_BYTES)), decipher.final()]);
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * A keyed hash (HMAC-SHA256 under a key derived from the current one): equal inputs give
   * equal hashes, so they can still be searched for, but nobody without the key can test a
   * guess. Rotating the key changes the hashes of what comes after.
   */
  hash(purpose: string, value: string): string {
    const key = Buffer.from(hkdfSync('sha256', this.keys.get(this.currentId) as Buffer, '', purpose, 32));
    return createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
  }
}

/** The keyring of SENDFLOW_ENCRYPTION_KEY and SENDFLOW_ENCRYPTION_OLD_KEYS; none without a key. */
export function keyringFromConfig(config: {
  SENDFLOW_ENCRYPTION_KEY?: string;
  SENDFLOW_ENCRYPTION_OLD_KEYS: string[];
}): Keyring | undefined {
  if (!config.SENDFLOW_ENCRYPTION_KEY) return undefined;
  return new Keyring(
    Buffer.from(config.SENDFLOW_ENCRYPTION_KEY, 'base64'),
    config.SENDFLOW_ENCRYPTION_OLD_KEYS.map((k) => Buffer.from(k, 'base64')),
  );
}
