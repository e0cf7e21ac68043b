import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { type Keyring, UnknownKeyError } from '../crypto/keyring';

const ENCRYPTED = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const text = new TextEncoder();
const fromText = new TextDecoder();

/**
 * Encrypts every workflow and activity payload (inputs, results, failures' details) with the
 * keyring's current key, so Temporal's server and database hold ciphertext. Payloads written
 * before encryption was turned on pass through: old histories still replay.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const sealed = this.keyring.seal(temporal.api.common.v1.Payload.encode(payload).finish());
      return {
        metadata: { [METADATA_ENCODING_KEY]: text.encode(ENCRYPTED), [KEY_ID]: text.encode(sealed.keyId) },
        data: sealed.bytes,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || fromText.decode(encoding) !== ENCRYPTED) return payload;
      const keyId = payload.metadata?.[KEY_ID];
      if (!keyId || !payload.data) throw new UnknownKeyError('(none)');
      const opened = this.keyring.open({ keyId: fromText.decode(keyId), bytes: Buffer.from(payload.data) });
      return temporal.api.common.v1.Payload.decode(opened);
    });
  }
}

/** The data converter of every client and worker: encrypting when a key is configured. */
export function temporalDataConverter(keyring: Keyring | undefined) {
  return keyring ? { payloadCodecs: [new EncryptionCodec(keyring)] } : undefined;
}
