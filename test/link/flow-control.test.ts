/** The pieces multiplexed transports build on: credit (core/flow-control.ts), in-flight counts, frame encoding and batching (runtime/link). */
import { describe, expect, it } from 'vitest';
import { CreditGrant, CreditWindow, InFlight } from 'accord-rpc/core';
import { decodeMessage, encodedSize, encodeFrame, joinBatch } from 'accord-rpc/link';

describe('CreditWindow', () => {
  it('takes credit until none is left, waits for a grant, clamps to its maximum', async () => {
    const window = new CreditWindow(2, 3);
    expect(window.take()).toBe(true);
    expect(window.take()).toBe(true);
    expect(window.take()).toBe(false);
    let woke = false;
    const waiting = window.wait().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    window.grant(100);
    await waiting;
    expect(window.available).toBe(3);
  });

  it('close() wakes a waiting sender', async () => {
    const window = new CreditWindow(0);
    const waiting = window.wait();
    window.close();
    await waiting;
    expect(window.closed).toBe(true);
  });
});

describe('CreditGrant', () => {
  it('re-grants what was consumed once half the window is used', () => {
    const grant = new CreditGrant(8);
    expect([1, 2, 3].map(() => grant.consumed())).toEqual([0, 0, 0]);
    expect(grant.consumed()).toBe(4);
    expect(grant.consumed()).toBe(0);
  });
});

describe('InFlight', () => {
  it('refuses past its limit and reports when it drains', async () => {
    const inFlight = new InFlight(2);
    expect(inFlight.tryAcquire()).toBe(true);
    expect(inFlight.tryAcquire()).toBe(true);
    expect(inFlight.tryAcquire()).toBe(false);
    const drained = inFlight.idle(1_000);
    inFlight.release();
    inFlight.release();
    expect(await drained).toBe(true);
    inFlight.tryAcquire();
    expect(await inFlight.idle(10)).toBe(false);
  });
});

describe('frame encoding', () => {
  it('joins separately encoded frames into one batch, in both codecs', () => {
    for (const codec of ['json', 'msgpack'] as const) {
      for (const n of [1, 2, 15, 16, 70_000]) {
        const frames = Array.from({ length: n }, (_, id) => ({ type: 'end' as const, id: id + 1 }));
        const message = joinBatch(codec, frames.map((f) => encodeFrame(codec, f)));
        expect(decodeMessage(message as string | Uint8Array, codec === 'msgpack')).toEqual(frames);
      }
    }
  });

  it('counts UTF-8 bytes of JSON text', () => {
    expect(encodedSize('abc')).toBe(3);
    expect(encodedSize('é')).toBe(2);
    expect(encodedSize('€')).toBe(3);
    expect(encodedSize('😀')).toBe(4);
    expect(encodedSize(new Uint8Array(5))).toBe(5);
  });
});
