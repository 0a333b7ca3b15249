/**
 * The NATS transport under hostile messages published from a raw NATS connection (support/nats-cases.ts):
 * requests on every served subject with hostile headers and bodies, and noise on the control
 * subjects. Against a real nats-server (stopped by PID). Seeded: a short run here, the full one with
 * `npm run fuzz`; replay with FUZZ_SEED=<seed>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { shortFuzz } from './support/fuzz-setups.js';

describe('NATS under hostile messages', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(() => nats?.stop());

  it('answers each request with an output or a clear error, shrugs off control-subject noise, never crashes or hangs, and keeps serving a well-behaved client', async () => {
    const report = await shortFuzz('nats', 400, nats.url);
    expect(report.failure ?? 'none').toBe('none');
  }, 60_000);
});
