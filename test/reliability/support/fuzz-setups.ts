/**
 * One fuzzing setup per transport, shared by the short runs in `npm test` and the full run of the
 * fuzz CLI: the server under attack in its own process with small limits (so oversize cases stay
 * cheap), the well-behaved clients that must keep being served, and the hostile cases.
 */
import { Target } from './target.js';
import { WellBehavedClients, type TransportName } from './well-behaved.js';
import { fuzz, fuzzSeed, type FuzzReport, type TransportFuzz } from './fuzz-runner.js';
import { httpFuzz } from './http-cases.js';
import { HEARTBEAT_MS, meshFuzz, MESH_KEY } from './mesh-cases.js';
import { natsFuzz } from './nats-cases.js';
import { wsFuzz } from './ws-cases.js';

export const FUZZ_TRANSPORTS: readonly TransportName[] = ['http', 'ws', 'mesh', 'nats'];

/** Limits of the server under attack: small, so oversize cases are cheap. */
const LIMITS = { bodyBytes: 64 * 1024, frameBytes: 64 * 1024, requestTimeoutMs: 3_000, handshakeTimeoutMs: 1_000, helloTimeoutMs: 1_000 } as const;

/** Cases between two checks of the well-behaved clients. The mesh's are larger: refusals of unauthenticated peers are awaited once per batch. */
const BATCH: Record<TransportName, number> = { http: 100, ws: 100, mesh: 200, nats: 100 };
/** Longest a case may take: the default deadline (2 s) of calls the server owes an answer, plus margins. */
const CASE_TIMEOUT_MS = 10_000;

interface FuzzSetup {
  target: Target;
  clients: WellBehavedClients;
  subject: TransportFuzz<unknown>;
  close(): Promise<void>;
}

async function subjectFor(transport: TransportName, target: Target, natsUrl: string | undefined): Promise<TransportFuzz<unknown>> {
  const ready = target.ready;
  switch (transport) {
    case 'http':
      return httpFuzz(Number(new URL(ready.http!).port), LIMITS.bodyBytes, LIMITS.requestTimeoutMs + 2_000) as TransportFuzz<unknown>;
    case 'ws':
      return wsFuzz(ready.ws!, LIMITS.frameBytes) as TransportFuzz<unknown>;
    case 'mesh':
      return meshFuzz(ready.meshPort!, LIMITS.frameBytes, LIMITS.handshakeTimeoutMs) as TransportFuzz<unknown>;
    case 'nats':
      return (await natsFuzz(natsUrl!)) as TransportFuzz<unknown>;
  }
}

/** Starts the server under attack for `transport` (NATS needs a running nats-server's URL). */
async function setupFuzz(transport: TransportName, natsUrl?: string): Promise<FuzzSetup> {
  const target = await Target.start({
    defaultTimeoutMs: 2_000,
    http: transport === 'http' ? { bodyLimitBytes: LIMITS.bodyBytes, requestTimeoutMs: LIMITS.requestTimeoutMs } : undefined,
    ws: transport === 'ws' ? { maxFrameBytes: LIMITS.frameBytes, helloTimeoutMs: LIMITS.helloTimeoutMs } : undefined,
    mesh: transport === 'mesh'
      ? { key: MESH_KEY, maxFrameBytes: LIMITS.frameBytes, handshakeTimeoutMs: LIMITS.handshakeTimeoutMs, heartbeatIntervalMs: HEARTBEAT_MS, maxPendingHandshakes: 256, maxPeers: 256 }
      : undefined,
    nats: transport === 'nats' ? { servers: natsUrl, discoveryWaitMs: 50 } : undefined,
  });
  const clients = new WellBehavedClients(target, [transport], { mesh: { key: MESH_KEY }, nats: natsUrl ? { url: natsUrl } : undefined });
  try {
    const subject = await subjectFor(transport, target, natsUrl);
    await clients.check();
    return {
      target, clients, subject,
      close: async () => {
        await clients.close();
        await target.stop();
      },
    };
  } catch (error) {
    await clients.close();
    await target.stop();
    throw error;
  }
}

/** The short run of `npm test`: FUZZ_RUNS cases (default `runs`) from FUZZ_SEED or a fresh seed; resolves with the report. */
export function shortFuzz(transport: TransportName, runs: number, natsUrl?: string): Promise<FuzzReport> {
  return fuzzTransport(transport, { runs: Number(process.env.FUZZ_RUNS ?? runs), seed: fuzzSeed(), natsUrl });
}

/** Starts the server under attack, runs `runs` hostile cases from `seed` against it, stops it. */
export async function fuzzTransport(transport: TransportName, options: { runs: number; seed: number; natsUrl?: string; log?: (line: string) => void }): Promise<FuzzReport> {
  const setup = await setupFuzz(transport, options.natsUrl);
  try {
    return await fuzz(setup.subject, {
      runs: options.runs, seed: options.seed, batch: BATCH[transport], caseTimeoutMs: CASE_TIMEOUT_MS,
      target: setup.target, clients: setup.clients, log: options.log,
    });
  } finally {
    await setup.close();
  }
}
