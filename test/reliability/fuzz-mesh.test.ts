/**
 * The mesh under hostile TCP peers (support/mesh-cases.ts): before the handshake, during it, and
 * on a real authenticated link. Seeded: a short run here, the full one with `npm run fuzz`; replay
 * with FUZZ_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { shortFuzz } from './support/fuzz-setups.js';

describe('mesh under hostile peers', () => {
  it('refuses or answers each clearly (or closes the link saying why), never crashes or hangs, and keeps serving a well-behaved client', async () => {
    const report = await shortFuzz('mesh', 250);
    expect(report.failure ?? 'none').toBe('none');
  }, 60_000);
});
