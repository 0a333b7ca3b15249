/**
 * What a caller sends to say which contract it was built against. Kept apart from the check
 * (contract-check.ts, which computes fingerprints from zod schemas) so that clients, which only
 * carry fingerprints, never load zod, not even for type checking.
 */

/**
 * How many hex digits of a method fingerprint callers send: 60 bits tell contract versions apart,
 * and MessagePack decodes strings under 16 bytes fastest. A longer value (the whole fingerprint)
 * is accepted too; a shorter one is ignored.
 */
export const FINGERPRINT_PREFIX_LENGTH = 15;

/** The fingerprints a caller was built against: `<service>.v<N>` → method → fingerprint (a prefix of at least FINGERPRINT_PREFIX_LENGTH hex digits). */
export type ContractFingerprints = Record<string, Record<string, string>>;
