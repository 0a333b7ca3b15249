/**
 * Redial timing, measured: two nodes keep dialing a seed that hangs up on every connection (a
 * plain TCP listener on 127.0.0.1 that reads the dialer's hello, notes who and when, and closes).
 * The waits between attempts grow with the backoff (each at least half its attempt's ceiling, at
 * most the ceiling plus scheduling slack) and carry jitter: the two nodes do not redial in
 * lockstep, and neither node's waits sit at a fixed fraction of the ceiling.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LengthPrefixReader } from 'accord-rpc/link';
import { decodeControl, isControlMessage } from 'accord-rpc/mesh';
import { startNode, until, type TestNode } from './harness.js';

const INITIAL_MS = 20;
const ATTEMPTS = 7; // ceilings 20, 40, 80, 160, 320, 640, 1280 ms
/** Attempts whose waits are long against scheduling noise: where jitter is measured. */
const LATE = 3;
/** Connect, hello, hang-up and timer lateness on a busy machine. */
const SLACK_MS = 120;

describe('mesh redial', () => {
  const arrivals: Record<string, number[]> = {};
  let seed: Server;
  const nodes: TestNode[] = [];

  beforeAll(async () => {
    seed = createServer((socket) => {
      const reader = new LengthPrefixReader(1 << 20);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        for (const message of reader.push(chunk)) {
          const hello = isControlMessage(message) ? decodeControl(message) : undefined;
          if (hello?.type === 'hello') (arrivals[hello.node] ??= []).push(performance.now());
          socket.destroy();
        }
      });
    });
    await new Promise<void>((resolve) => seed.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    seed?.close();
  });

  it('waits longer after each failed attempt, with jitter: the waits differ between nodes and from a fixed fraction of the backoff', async () => {
    const addr = `127.0.0.1:${(seed.address() as { port: number }).port}`;
    const reconnect = { initialDelayMs: INITIAL_MS, maxDelayMs: 10_000, factor: 2 };
    nodes.push(...(await Promise.all(['redial-a', 'redial-b'].map((id) => startNode(id, [], { seeds: [addr], reconnect })))));
    await until(() => ['redial-a', 'redial-b'].every((id) => (arrivals[id]?.length ?? 0) > ATTEMPTS), 10_000, `both nodes redialed the seed ${ATTEMPTS} times`);

    const waits = (id: string) => arrivals[id]!.slice(1, ATTEMPTS + 1).map((at, i) => at - arrivals[id]![i]!);
    const a = waits('redial-a');
    const b = waits('redial-b');
    for (const [id, list] of [['redial-a', a], ['redial-b', b]] as const) {
      list.forEach((wait, attempt) => {
        const ceiling = INITIAL_MS * 2 ** attempt;
        expect(wait, `${id} attempt ${attempt + 1}: at least half of ${ceiling} ms`).toBeGreaterThanOrEqual(ceiling / 2 - 1);
        expect(wait, `${id} attempt ${attempt + 1}: at most ${ceiling} ms and slack`).toBeLessThanOrEqual(ceiling + SLACK_MS);
      });
      // Growth: the last wait is at least 640 ms (half of 1280), the second at most 40 ms and slack.
      expect(list[ATTEMPTS - 1]!).toBeGreaterThan(2 * list[1]!);
    }
    const shown = `waits of a ${a.map(Math.round)}, of b ${b.map(Math.round)}`;
    // Jitter: each late wait is a random fraction of its ceiling, in [0.5, 1]; without jitter all would sit at 1.
    const fractions = [...a.slice(LATE), ...b.slice(LATE)].map((wait, i) => wait / (INITIAL_MS * 2 ** (LATE + (i % (ATTEMPTS - LATE)))));
    expect(Math.max(...fractions) - Math.min(...fractions), shown).toBeGreaterThan(0.15);
    // No lockstep: the two nodes' late waits differ by more than scheduling noise somewhere.
    expect(Math.max(...a.slice(LATE).map((wait, i) => Math.abs(wait - b[LATE + i]!))), shown).toBeGreaterThan(25);
  });
});
