/**
 * Idempotency keys for calls that may be retried: one per logical call, sent on every attempt as
 * `idempotency-key` metadata. For callers without credentials the key is all that keeps them apart
 * on the server, so it comes from Web Crypto (Node 20 and every browser have it). Browser-safe.
 */
import { IDEMPOTENCY_KEY_HEADER } from '../core/envelope.js';

/** A fresh random key: `crypto.randomUUID()`, or 16 random bytes in hex where only getRandomValues exists (insecure browser contexts). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID?.() ?? Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => (byte | 256).toString(16).slice(1)).join('');
}

/** `metadata` with an idempotency key: the caller's own when it set one, else a fresh one. */
export function withIdempotencyKey(metadata: Record<string, string>): Record<string, string> {
  if (metadata[IDEMPOTENCY_KEY_HEADER] !== undefined) return metadata;
  return { ...metadata, [IDEMPOTENCY_KEY_HEADER]: newIdempotencyKey() };
}
