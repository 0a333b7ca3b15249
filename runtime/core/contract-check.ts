/**
 * Does the caller speak this server's contract? A caller that knows the fingerprint of the method
 * it was built against (a generated client's, sent in the WebSocket hello or as the
 * `accord-fingerprint` header) gets its call checked against the server's own, computed from the
 * contract at run time (fingerprint.ts). A mismatch means the caller and the server were built from
 * different contracts: `strict` refuses the call with FAILED_PRECONDITION naming the method, `warn`
 * (the default) serves it and logs once per method and fingerprint, `off` does not look.
 */
import type { ServiceContract } from '../contract/types.js';
import { AccordError } from './errors.js';
import { FINGERPRINT_PREFIX_LENGTH } from './contract-fingerprints.js';
import { serviceFingerprints } from './fingerprint.js';
import type { Logger } from './logger.js';

export const CONTRACT_CHECK_MODES = ['strict', 'warn', 'off'] as const;
export type ContractCheckMode = (typeof CONTRACT_CHECK_MODES)[number];

export class ContractCheck {
  readonly #mode: ContractCheckMode;
  readonly #logger: Logger;
  /** `service.vN.method fingerprint` pairs already warned about (bounded: a caller cannot grow it without limit). */
  readonly #warned = new Set<string>();

  constructor(mode: ContractCheckMode, logger: Logger) {
    this.#mode = mode;
    this.#logger = logger;
  }

  get enabled(): boolean {
    return this.#mode !== 'off';
  }

  /** Throws FAILED_PRECONDITION (strict) or logs (warn) when `expected` is not this server's fingerprint of the method. */
  check(service: ServiceContract, method: string, expected: string): void {
    const actual = serviceFingerprints(service).methods[method];
    if (actual === undefined || (expected.length >= FINGERPRINT_PREFIX_LENGTH && actual.startsWith(expected))) return;
    const where = `${service.name}.v${service.version}.${method}`;
    const message = `${where}: the caller was built against another contract (fingerprint ${expected.slice(0, FINGERPRINT_PREFIX_LENGTH)}, this server's ${actual.slice(0, FINGERPRINT_PREFIX_LENGTH)}); regenerate the client (accord gen) or deploy matching versions`;
    if (this.#mode === 'strict') throw new AccordError('FAILED_PRECONDITION', message, { method: where, expected, actual: actual.slice(0, FINGERPRINT_PREFIX_LENGTH) });
    const key = `${where} ${expected}`;
    if (this.#warned.has(key) || this.#warned.size >= 1_000) return;
    this.#warned.add(key);
    this.#logger.warn({ method: where, expected, actual: actual.slice(0, FINGERPRINT_PREFIX_LENGTH) }, message);
  }
}
