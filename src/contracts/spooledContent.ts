/**
 * A large attachment's content, decoded and written to storage while its request streamed in:
 * it stands where the base64 string was. JSON cannot produce one, so a client cannot forge it.
 */
export class SpooledContent {
  /** Set once a stored message owns the file; an unowned one is deleted after the request. */
  adopted = false;

  constructor(
    /** Hex id of the stored file. */
    readonly fileId: string,
    /** Decoded bytes. */
    readonly size: number,
    /** SHA-256 of the base64 text without whitespace: the request's idempotency hash uses it. */
    readonly sha256: string,
  ) {}
}
