/**
 * The soak's faults, one every few seconds in turn: pool workers exiting (process.exit in a
 * handler), a mesh node killed (SIGKILL) and restarted on its port, nats-server killed and
 * restarted, a peer stalled (SIGSTOP) for two seconds then resumed (SIGCONT: c on NATS and b on
 * the mesh in turn), and a handler that
 * ignores its abort (its worker is terminated). Each waits until its fault is over (a restarted
 * process serving) before the next may start. Calls a fault makes are entered in the book.
 */
import type { CallBook } from './call-book.js';
import type { FaultsClient } from './fault-contract.js';
import { sleep } from './fault-run.js';
import type { SoakDeployment } from './soak-deployment.js';

export interface FaultEntry {
  /** Seconds since the traffic started. */
  at: number;
  what: string;
  tookMs: number;
}

type Fault = (d: SoakDeployment, book: CallBook) => Promise<string>;

let stalls = 0;

/** One `faults` call a fault makes on purpose, entered in the book. */
function faultCall(book: CallBook, transport: string, kind: 'exit' | 'stuck', client: FaultsClient, timeoutMs: number): Promise<unknown> {
  const token = book.token(transport, kind);
  return book.track(book.start(token, kind, transport, false, timeoutMs), () => client[kind]({ token }, { timeoutMs }));
}

const FAULTS: Fault[] = [
  async (d, book) => {
    await Promise.all([faultCall(book, 'http', 'exit', d.clients.client('http'), 3_000), faultCall(book, 'nats', 'exit', d.clients.client('nats'), 3_000)]);
    return 'pool workers exited (process.exit in a handler): one on a over HTTP, one wherever NATS sent the call';
  },
  async (d) => {
    const b = d.server('b');
    await b.kill();
    await b.restart();
    await d.meshWhole();
    return 'mesh node b killed (SIGKILL), restarted on its port, reached again';
  },
  async (d) => {
    await d.nats.restart();
    return 'nats-server killed (SIGKILL) and restarted on its port';
  },
  async (d) => {
    // The NATS peer and the mesh peer in turn.
    const peer = d.server(stalls++ % 2 === 0 ? 'c' : 'b');
    peer.stall();
    try {
      await sleep(2_000);
    } finally {
      peer.resume();
    }
    return `node ${peer.nodeId} (${peer.nodeId === 'c' ? 'NATS' : 'mesh'}) stalled (SIGSTOP) for 2 s, then resumed (SIGCONT)`;
  },
  async (d, book) => {
    await faultCall(book, 'mesh', 'stuck', d.clients.client('mesh'), 300);
    return 'a handler ignored its abort (over the mesh): its pool worker was terminated';
  },
];

/** Runs a fault every `everyMs` from the start until `untilMs` (ms since `startedAt`) leaves no room for another. */
export async function injectFaults(d: SoakDeployment, book: CallBook, startedAt: number, everyMs: number, untilMs: number, log: (entry: FaultEntry) => void): Promise<void> {
  for (let i = 0; ; i++) {
    const slot = startedAt + (i + 1) * everyMs;
    if (slot + everyMs > startedAt + untilMs) return;
    await sleep(slot - Date.now());
    const begun = Date.now();
    const what = await FAULTS[i % FAULTS.length]!(d, book);
    log({ at: (begun - startedAt) / 1000, what, tookMs: Date.now() - begun });
  }
}
