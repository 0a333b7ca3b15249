/**
 * `generated/fingerprints.ts`: the contract fingerprints the generated clients were built from
 * (`<service>.v<N>` → method → the first FINGERPRINT_PREFIX_LENGTH hex digits of its fingerprint). A client that sends
 * them (`wsClient({ url, contracts: contractFingerprints })`) lets a server refuse or report calls
 * from a client built against another contract (runtime/core/contract-check.ts). A separate module,
 * so a page that does not send them ships none of them.
 */
import { serviceKey, type ServiceContract } from '../runtime/contract/index.js';
import { FINGERPRINT_PREFIX_LENGTH } from '../runtime/core/contract-fingerprints.js';
import { serviceFingerprints } from '../runtime/core/fingerprint.js';

export function emitFingerprintsFile(services: ServiceContract[], runtimeClient: string): string {
  const sorted = [...services].sort((a, b) => (a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1));
  const lines = sorted.map((service) => {
    const { methods } = serviceFingerprints(service);
    const entries = Object.keys(methods).sort().map((name) => `${name}: '${methods[name].slice(0, FINGERPRINT_PREFIX_LENGTH)}'`);
    return `  '${serviceKey(service)}': { ${entries.join(', ')} },`;
  });
  return [
    `import type { ContractFingerprints } from '${runtimeClient}';`,
    '',
    '/** The method fingerprints these clients were built against: pass them to a client transport as `contracts`. */',
    'export const contractFingerprints: ContractFingerprints = {',
    ...lines,
    '};',
    '',
  ].join('\n');
}
