/**
 * The conformance probe across threads: with the pool on, the handlers (and their probe) live in a
 * worker, while the suite reads the probe in the main thread. The worker's probe broadcasts its
 * state after every change on a BroadcastChannel (which reaches every thread of the process, in
 * order); the main thread keeps a mirror of it.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { createProbe, type Probe } from './handlers.js';

const CHANNEL = 'accord-conformance-probe';

/** A probe that tells the mirror about every change (for handlers running in a worker). */
export function broadcastingProbe(): Probe {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  const probe = createProbe();
  const send = () => channel.postMessage({ ...probe, slowAborted: [...probe.slowAborted] });
  const slowAborted = new Proxy(probe.slowAborted, {
    set(target, key, value) {
      Reflect.set(target, key, value);
      send();
      return true;
    },
  });
  return new Proxy(probe, {
    get: (target, key) => (key === 'slowAborted' ? slowAborted : Reflect.get(target, key)),
    set(target, key, value) {
      Reflect.set(target, key, value);
      send();
      return true;
    },
  });
}

/** The main thread's copy of a worker's broadcasting probe; `close()` stops listening. */
export function mirroredProbe(): Probe & { close(): void } {
  const channel = new BroadcastChannel(CHANNEL);
  const probe = createProbe();
  channel.onmessage = (event) => Object.assign(probe, (event as { data: Probe }).data);
  return Object.assign(probe, { close: () => channel.close() });
}
