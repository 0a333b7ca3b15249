/**
 * Runs hostile cases against one transport of the server under attack, with fast-check, seeded and
 * reproducible (the same seed and run count replay the same cases in the same order). Each case
 * must settle within its bound with a clear error or a documented close; after every batch the
 * deferred checks run (connections that had to close by now), and every well-behaved client must
 * still get its call answered. A crash (the process died, or reported an uncaught exception or an
 * unhandled rejection) or a hang stops the run at once, without shrinking: the server's state is
 * not a pure function of the case, and the seed replays the run that led there.
 */
import fc from 'fast-check';
import type { Target } from './target.js';
import type { TransportName, WellBehavedClients } from './well-behaved.js';

export type ProblemKind = 'crash' | 'hang' | 'unclear';

/** What went wrong with a case: a hang (no answer, no close within bounds) or an unclear answer. */
export interface Problem {
  kind: Exclude<ProblemKind, 'crash'>;
  detail: string;
}

export interface TransportFuzz<Case> {
  transport: TransportName;
  arbitrary: fc.Arbitrary<Case>;
  /** Runs one case; resolves with its problem, or undefined when the server answered as documented. */
  run(c: Case): Promise<Problem | undefined>;
  /** Checks deferred to the end of a batch (e.g. connections left half-way that must have closed by now). */
  settle?(): Promise<Problem | undefined>;
  /** Frees what the cases left open. */
  close?(): Promise<void>;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Cases between two checks of the well-behaved clients. */
  batch: number;
  caseTimeoutMs: number;
  target: Target;
  clients: WellBehavedClients;
  log?: (line: string) => void;
}

export interface FuzzReport {
  transport: TransportName;
  seed: number;
  runs: number;
  crashes: number;
  hangs: number;
  unclear: number;
  /** The failure, with the case that showed it, when the run stopped early. */
  failure?: string;
}

class FuzzFailure extends Error {
  constructor(readonly kind: ProblemKind, message: string) {
    super(message);
  }
}

async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T | Problem> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Problem>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hang', detail: `${what} did not settle within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'kind' in value && 'detail' in value;
}

/** Bytes as readable text: printable ASCII as is, anything else as \xNN. */
function showBytes(bytes: Uint8Array): string {
  const text = [...bytes.subarray(0, 2_000)].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  return `bytes(${bytes.length}) "${text}${bytes.length > 2_000 ? '…' : ''}"`;
}

/** A case as text for a report: bytes readable, long strings cut. */
export function showCase(value: unknown): string {
  const text = typeof value === 'object' && value !== null
    ? `{ ${Object.entries(value).map(([k, v]) => `${k}: ${v instanceof Uint8Array ? showBytes(v) : fc.stringify(v)}`).join(', ')} }`
    : fc.stringify(value);
  return text.length > 1_500 ? `${text.slice(0, 1_500)}… (${text.length} characters)` : text;
}

export function summaryLine(report: FuzzReport): string {
  return `FUZZ ${report.transport} ${report.runs} runs, ${report.crashes} crashes, ${report.hangs} hangs`;
}

export async function fuzz<Case>(subject: TransportFuzz<Case>, options: FuzzOptions): Promise<FuzzReport> {
  const { target, clients, batch, runs, seed } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  log(`fuzz ${subject.transport}: seed ${seed}, ${runs} runs (replay with FUZZ_SEED=${seed})`);
  let done = 0;
  const fail = (kind: ProblemKind, detail: string): never => {
    throw new FuzzFailure(kind, detail);
  };
  const checkServer = () => {
    const problem = target.problem();
    if (problem) fail('crash', problem);
  };
  const endOfBatch = async () => {
    const deferred = await bounded(subject.settle?.() ?? Promise.resolve(undefined), 15_000, 'the end-of-batch checks');
    checkServer();
    if (isProblem(deferred)) fail(deferred.kind, deferred.detail);
    try {
      await clients.check();
    } catch (error) {
      checkServer();
      fail('hang', `the server stopped serving well-behaved clients after ${done} cases: ${(error as Error).message}`);
    }
  };
  const property = fc.asyncProperty(subject.arbitrary, async (c) => {
    let problem: Problem | undefined;
    try {
      problem = await bounded(subject.run(c), options.caseTimeoutMs, 'the case');
    } catch (error) {
      // A case that cannot even connect: most likely the server is gone, whose report may be on its way.
      await target.settled(500);
      checkServer();
      fail('unclear', `the case failed: ${(error as Error).message}`);
    }
    checkServer();
    if (isProblem(problem)) fail(problem.kind, problem.detail);
    done++;
    if (done % batch === 0) await endOfBatch();
  });
  const details = await fc.check(property, { seed, numRuns: runs, endOnFailure: true });
  const report: FuzzReport = { transport: subject.transport, seed, runs: done, crashes: 0, hangs: 0, unclear: 0 };
  let error = details.failed ? details.errorInstance : undefined;
  if (!error) {
    try {
      if (done % batch !== 0) await endOfBatch();
    } catch (cause) {
      error = cause;
    }
  }
  await subject.close?.();
  if (error) {
    const kind = error instanceof FuzzFailure ? error.kind : 'unclear';
    if (kind === 'crash') report.crashes++;
    else if (kind === 'hang') report.hangs++;
    else report.unclear++;
    const shown = details.counterexample ? `\ncase: ${showCase(details.counterexample[0])}` : '';
    report.failure = `${kind} after ${done} cases (seed ${seed}, path ${details.counterexamplePath ?? '-'}): ${(error as Error).message ?? error}${shown}`;
    log(`FUZZ ${subject.transport} FAILED: ${report.failure}`);
  }
  return report;
}

/** The seed to use: FUZZ_SEED when set (to replay a run), else a fresh one. */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got '${given}'`);
    return seed;
  }
  return Math.floor(Math.random() * 0x7fffffff);
}
