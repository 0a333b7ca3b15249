/**
 * The full fuzz run: `npm run fuzz -- --runs 10000` (package.json: "fuzz": "tsx --conditions=accord-source
 * test/reliability/fuzz-cli.ts"). Runs the hostile cases of every transport against a server in its
 * own process (a nats-server is started for NATS, stopped by PID) and prints, per transport,
 * `FUZZ <transport> <runs> runs, <n> crashes, <n> hangs`. Options: `--runs N` (default 10000),
 * `--seed S` (replays a run; default: a fresh seed, printed), `--transport http,ws` (default all).
 * Exits 1 when any case crashed, hung or got an unclear answer (the case and its seed are printed).
 */
import { parseArgs } from 'node:util';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { fuzzSeed, summaryLine, type FuzzReport } from './support/fuzz-runner.js';
import { FUZZ_TRANSPORTS, fuzzTransport } from './support/fuzz-setups.js';
import type { TransportName } from './support/well-behaved.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' }, transport: { type: 'string' } } });
const runs = Number(values.runs ?? 10_000);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got '${values.runs}'`);
if (values.seed !== undefined) process.env.FUZZ_SEED = values.seed;
const transports = (values.transport?.split(',') ?? FUZZ_TRANSPORTS) as TransportName[];
for (const t of transports) if (!FUZZ_TRANSPORTS.includes(t)) throw new Error(`unknown transport '${t}' (one of ${FUZZ_TRANSPORTS.join(', ')})`);

const reports: FuzzReport[] = [];
let nats: NatsServer | undefined;
try {
  for (const transport of transports) {
    if (transport === 'nats') nats ??= await startNatsServer();
    const started = Date.now();
    const report = await fuzzTransport(transport, { runs, seed: fuzzSeed(), natsUrl: nats?.url });
    console.log(`fuzz ${transport}: ${report.runs} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    reports.push(report);
  }
} finally {
  await nats?.stop();
}
for (const report of reports) console.log(summaryLine(report));
const failed = reports.filter((r) => r.failure !== undefined);
process.exit(failed.length > 0 ? 1 : 0);
