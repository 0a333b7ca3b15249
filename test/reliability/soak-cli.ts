/**
 * The soak: `npm run soak -- --seconds 60` (package.json: "soak": "tsx --conditions=accord-source
 * test/reliability/soak-cli.ts"). Mixed traffic (unary calls that are not idempotent and idempotent
 * ones, server streams, events) over HTTP, WebSocket, NATS and the mesh at once, against real
 * `accord serve` processes (support/soak-deployment.ts), with a fault every few seconds
 * (support/soak-faults.ts). Prints what it did, then exactly one summary line:
 *   SOAK <seconds>s <calls> calls, <hung> hung, <duplicated> duplicated, rss <start>MB -> <end>MB
 * and exits 1 when a call hung (did not end by its deadline plus DEADLINE_SLACK_MS), a call that is
 * not idempotent ran twice or an event arrived twice, any other invariant broke (a call ended twice,
 * an untyped failure, a stream out of order, an event out of order, a server process that died of
 * itself), or memory grew past the bound (MEMORY_BOUND_MIB below).
 * Options: --seconds N (default 60), --fault-every-ms N (default 3000), --callers N per transport (default 4).
 */
import { parseArgs } from 'node:util';
import { CallBook, violations, type BookSummary } from './support/call-book.js';
import { eventViolations, type EventSummary } from './support/event-watch.js';
import { DEADLINE_SLACK_MS, sleep } from './support/fault-run.js';
import { MixedLoad } from './support/mixed-load.js';
import { SoakDeployment } from './support/soak-deployment.js';
import { injectFaults } from './support/soak-faults.js';

/**
 * Resident memory may grow this much (MiB) from the start (measured after a warm-up) to the end
 * of the traffic, per server process that ran throughout (a restarted one starts afresh): heaps
 * are not collected on demand here, so it leaves room for what the GC has not taken back yet
 * (measured: +2 to +30 MB, the same after 20 s and 60 s).
 */
const MEMORY_BOUND_MIB = 64;
const WARMUP_MS = 2_000;

const { values } = parseArgs({ options: { seconds: { type: 'string' }, 'fault-every-ms': { type: 'string' }, callers: { type: 'string' } } });
const seconds = Number(values.seconds ?? 60);
const faultEveryMs = Number(values['fault-every-ms'] ?? 3_000);
const callers = Number(values.callers ?? 4);
for (const [name, n] of Object.entries({ seconds, 'fault-every-ms': faultEveryMs, callers })) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${values[name as keyof typeof values]}'`);
}
if (seconds * 1000 < WARMUP_MS + faultEveryMs) throw new Error(`--seconds must leave room for the warm-up and one fault: at least ${Math.ceil((WARMUP_MS + faultEveryMs) / 1000)}`);

// Ctrl-C: exit, which stops every process this started (by PID, in their exit hooks).
process.once('SIGINT', () => process.exit(130));

const mib = (n: number) => Math.round(n);
const began = Date.now();
console.log('soak: starting nats-server and 3 accord serve processes (a: http, ws, mesh, nats; b: mesh; c: nats)');
const deployment = await SoakDeployment.start();
let exitCode = 1;
try {
  console.log(`soak: started in ${((Date.now() - began) / 1000).toFixed(1)} s; ${seconds} s of traffic from ${callers} callers per transport, a fault every ${faultEveryMs / 1000} s`);
  const book = new CallBook();
  const load = new MixedLoad(book, deployment.clients.targets, { callers, timeoutMs: 3_000, workMs: 20 }).start();
  const startedAt = Date.now();
  const faults = injectFaults(deployment, book, startedAt, faultEveryMs, seconds * 1000, (f) => console.log(`  ${f.at.toFixed(1).padStart(5)} s  ${f.what} (${f.tookMs} ms)`));
  await sleep(WARMUP_MS);
  const pidsAtStart = new Map(deployment.servers.map((s) => [s.nodeId, s.pid]));
  const rssStart = deployment.rssMiB();
  await faults;
  await sleep(startedAt + seconds * 1000 - Date.now());
  await load.stop(DEADLINE_SLACK_MS);
  await book.settle(DEADLINE_SLACK_MS);
  const rssEnd = deployment.rssMiB();

  const summary = book.summary(deployment.ledger.runs(), DEADLINE_SLACK_MS);
  const events = deployment.clients.watches.map((w) => ({ transport: w.transport, ...w.summary() }));
  printTraffic(book, summary, events);
  const problems = [...violations(summary), ...eventViolations(events)];
  const crashed = deployment.servers.filter((s) => !s.alive);
  for (const server of crashed) problems.push(`server ${server.nodeId} died of itself: ${lastError(server.output())}`);

  const memory = [...rssStart].map(([node, start]) => {
    const end = rssEnd.get(node)!;
    const throughout = pidsAtStart.get(node) === deployment.server(node).pid;
    const over = throughout && end > start + MEMORY_BOUND_MIB;
    if (over) problems.push(`server ${node} grew from ${mib(start)} MB to ${mib(end)} MB, past the bound`);
    return `${node} ${mib(start)} -> ${mib(end)} MB${throughout ? '' : ' (restarted)'}`;
  });
  console.log(`rss of the server processes: ${memory.join(', ')}; bound per process that ran throughout: +${MEMORY_BOUND_MIB} MB`);
  for (const problem of problems) console.log(`FAILED: ${problem}`);

  const duplicated = summary.duplicated.length + events.reduce((n, e) => n + e.duplicated.length, 0);
  const total = (m: Map<string, number>) => mib([...m.values()].reduce((a, b) => a + b, 0));
  console.log(`SOAK ${seconds}s ${summary.started} calls, ${summary.hung.length} hung, ${duplicated} duplicated, rss ${total(rssStart)}MB -> ${total(rssEnd)}MB`);
  exitCode = problems.length > 0 ? 1 : 0;
} finally {
  await deployment.close();
}
process.exit(exitCode);

function printTraffic(book: CallBook, summary: BookSummary, events: Array<EventSummary & { transport: string }>): void {
  const codes = (failed: Record<string, number>) => Object.entries(failed).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  console.log(`calls: ${summary.started} started, ${summary.ended} ended, ${summary.ok} ok, failed by code: ${codes(summary.failed)}`);
  for (const { transport, received, duplicated, disordered } of events) {
    const mine = book.where((r) => r.transport === transport);
    const failed: Record<string, number> = {};
    for (const r of mine) {
      if (r.outcome === undefined || r.outcome === 'ok') continue;
      const code = r.refused ? `${r.outcome} (open circuit)` : r.outcome;
      failed[code] = (failed[code] ?? 0) + 1;
    }
    const kinds = ['charge', 'lookup', 'feed', 'announce'].map((k) => `${k} ${mine.filter((r) => r.kind === k).length}`).join(', ');
    console.log(`  ${transport.padEnd(4)}  ${mine.length} calls (${kinds}), ${mine.filter((r) => r.outcome === 'ok').length} ok, failed: ${codes(failed)}; events ${received} received, ${duplicated.length} twice, ${disordered.length} out of order`);
  }
  console.log(`hung ${summary.hung.length}, duplicated ${summary.duplicated.length}, ended twice ${summary.endedTwice.length}, untyped ${summary.untyped.length}, delivered wrongly ${summary.broken.length}; latest end ${summary.worstLatenessMs} ms from its deadline (slack ${DEADLINE_SLACK_MS} ms)`);
}

/** The end of what a process printed (its last error and stack), for the report of one that died. */
function lastError(output: string): string {
  return `\n${output.split('\n').slice(-25).join('\n')}`;
}
