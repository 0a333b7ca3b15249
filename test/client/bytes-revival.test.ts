/** bytes() fields over JSON: generated clients find them by path and turn base64 back into Uint8Array. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bytes, bytesPaths } from 'accord-rpc/contract';
import { reviveBytes } from 'accord-rpc/client';
import { jsonCodec } from 'accord-rpc/core';

const schema = z.object({
  id: z.string(),
  blob: bytes(),
  parts: z.array(z.object({ data: bytes().optional(), name: z.string() })),
  byName: z.record(z.string(), bytes()),
  maybe: bytes().nullable(),
});

describe('bytes over JSON', () => {
  it('finds every bytes() field, through arrays, records, optional and nullable', () => {
    expect(bytesPaths(schema)).toEqual([['blob'], ['byName', '*'], ['maybe'], ['parts', '*', 'data']]);
    expect(bytesPaths(z.object({ n: z.number() }))).toEqual([]);
  });

  it('round-trips through the JSON codec back to equal Uint8Arrays', () => {
    const value = {
      id: 'x',
      blob: new Uint8Array([0, 1, 254, 255]),
      parts: [{ data: new Uint8Array([7]), name: 'a' }, { name: 'b' }],
      byName: { k: new Uint8Array([9, 9]) },
      maybe: null,
    };
    const wire = jsonCodec.decode(jsonCodec.encode(value)) as Record<string, unknown>;
    expect(typeof wire.blob).toBe('string');
    const revived = reviveBytes(wire, bytesPaths(schema)) as typeof value;
    expect(revived).toEqual(value);
    expect(revived.blob).toBeInstanceOf(Uint8Array);
    // and the server side accepts the base64 form too
    expect(schema.parse(jsonCodec.decode(jsonCodec.encode(value)))).toEqual(value);
  });
});
