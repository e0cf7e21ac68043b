import { Binary } from 'mongodb';
import { type Keyring, UnknownKeyError } from '../crypto/keyring';

/** A secret as stored when a key is configured: which key sealed it, and the sealed bytes. */
export interface SealedValue {
  kid: string;
  box: Binary;
}

/** A stored secret: sealed, or plain text (written without a key, or before one was set). */
export type MaybeSealed = string | SealedValue;

/** Where a value lives (`domains:dom_x:dkim_private_key`): bound in, so it cannot be moved. */
export type SealedPlace = [collection: string, id: string, field: string];

/**
 * Seals secrets at rest when a key is configured and opens them transparently. A value sealed
 * with a key this process lacks is an error naming that key, never garbage or plain text.
 */
export interface FieldSealer {
  seal(value: string, place: SealedPlace): MaybeSealed;
  open(value: MaybeSealed, place: SealedPlace): string;
  /** Bytes sealed with the current key (stored files); only when a key is configured. */
  sealBytes(bytes: Buffer, place: string): { kid: string; bytes: Buffer };
  openBytes(kid: string, bytes: Buffer, place: string): Buffer;
  /** Key ids this process can open. */
  readonly keyIds: string[];
  /** The key new values are sealed with; none without a key. */
  readonly currentKeyId?: string;
}

const associated = (place: SealedPlace) => Buffer.from(place.join(':'));

export function isSealed(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && 'kid' in value && 'box' in value;
}

export function fieldSealer(keyring: Keyring | undefined): FieldSealer {
  return {
    keyIds: keyring ? keyring.ids() : [],
    currentKeyId: keyring?.currentId,
    seal(value, place) {
      if (!keyring) return value;
      const sealed = keyring.seal(Buffer.from(value, 'utf8'), associated(place));
      return { kid: sealed.keyId, box: new Binary(sealed.bytes) };
    },
    sealBytes(bytes, place) {
      if (!keyring) throw new Error('no encryption key is configured');
      const sealed = keyring.seal(bytes, Buffer.from(place));
      return { kid: sealed.keyId, bytes: sealed.bytes };
    },
    openBytes(kid, bytes, place) {
      if (!keyring) throw new UnknownKeyError(kid);
      return keyring.open({ keyId: kid, bytes }, Buffer.from(place));
    },
    open(value, place) {
      if (!isSealed(value)) return value;
      if (!keyring) throw new UnknownKeyError(value.kid);
      return keyring
        .open({ keyId: value.kid, bytes: Buffer.from(value.box.buffer) }, associated(place))
        .toString('utf8');
    },
  };
}
