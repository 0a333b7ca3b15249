/**
 * The length-prefix reader (runtime/link/length-prefix.ts) that the mesh and MessagePack HTTP streams
 * read byte streams with: a length is a claim, not a promise, so the reader must hold what arrived,
 * never what was claimed; and however the bytes are split, messages must come out whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lengthPrefixed, LengthPrefixReader } from 'accord-rpc/link';
import { fuzzSeed } from './support/fuzz-runner.js';

const MiB = 1024 * 1024;

describe('length-prefix reader', () => {
  it('holds only the bytes that arrived when lengths claim megabytes', () => {
    const readers = Array.from({ length: 500 }, () => new LengthPrefixReader(4 * MiB));
    const claim = Buffer.alloc(4 + 10);
    claim.writeUInt32BE(4 * MiB - 1);
    const before = process.memoryUsage().arrayBuffers;
    for (const reader of readers) expect(reader.push(claim)).toEqual([]);
    // On trust that would be 500 × 4 MiB = 2 GiB; a split message starts in a 4 KiB buffer.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * MiB);
    expect(readers.every((reader) => reader.buffered === 10)).toBe(true);
  });

  it('still refuses a length over the limit before buffering anything', () => {
    const claim = Buffer.alloc(4);
    claim.writeUInt32BE(4 * MiB + 1);
    expect(() => new LengthPrefixReader(4 * MiB).push(claim)).toThrow(/over the limit/);
  });

  it('gives back every message whole however the stream is cut into chunks', () => {
    const messages = fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 4_000, max: 70_000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => i % 251))), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(messages, fc.array(fc.nat(), { maxLength: 40 }), (sent, cuts) => {
      const stream = Buffer.concat(sent.map(lengthPrefixed));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const reader = new LengthPrefixReader(MiB);
      const received: Uint8Array[] = [];
      let from = 0;
      for (const to of [...points, stream.length]) {
        received.push(...reader.push(stream.subarray(from, to)));
        from = to;
      }
      expect(received.map((m) => Buffer.from(m).toString('hex'))).toEqual(sent.map((m) => Buffer.from(m).toString('hex')));
      expect(reader.buffered).toBe(0);
    }), { seed: fuzzSeed(), numRuns: 200 });
  });
});
