/**
 * Output changes (results, stream items, event data, error data), from the callers' side: what the
 * new server sends must still be what deployed callers expect.
 */
import { z } from 'zod';
import { event } from 'accord-rpc/contract';
import { outputCase, order, shop, streamingShop, type ChangeCase } from './change-case.js';

const base = { total: z.number() };
const Line = (fields: Record<string, z.ZodType>) => z.object(fields).meta({ id: 'EvolutionCaseLine' });

export const OUTPUT_CASES: ChangeCase[] = [
  outputCase('a new result field', z.object(base), z.object({ ...base, currency: z.string() }), [[order('output.field-added:currency'), 'safe']]),
  outputCase('a result field removed', z.object({ ...base, currency: z.string() }), z.object(base), [[order('output.field-removed:currency'), 'breaking']]),
  outputCase('an optional result field removed', z.object({ ...base, note: z.string().optional() }), z.object(base), [[order('output.optional-field-removed:note'), 'warning']]),
  outputCase('a result field made optional', z.object({ ...base, currency: z.string() }), z.object({ ...base, currency: z.string().optional() }), [[order('output.became-optional:currency'), 'breaking']]),
  outputCase('an optional result field made required', z.object({ ...base, note: z.string().optional() }), z.object({ ...base, note: z.string() }), [[order('output.became-required:note'), 'safe']]),
  outputCase('a widened result type', z.object({ total: z.number() }), z.object({ total: z.union([z.number(), z.string()]) }), [[order('output.type-widened:total'), 'breaking']]),
  outputCase('a result field made nullable', z.object({ total: z.number() }), z.object({ total: z.number().nullable() }), [[order('output.type-widened:total'), 'breaking']]),
  outputCase('a narrowed result type (integers only)', z.object({ total: z.number() }), z.object({ total: z.number().int() }), [[order('output.type-narrowed:total'), 'safe']]),
  outputCase('a result enum value added', z.object({ state: z.enum(['open', 'paid']) }), z.object({ state: z.enum(['open', 'paid', 'void']) }), [[order('output.value-added:state=void'), 'breaking']]),
  outputCase('a result enum value removed', z.object({ state: z.enum(['open', 'paid', 'void']) }), z.object({ state: z.enum(['open', 'paid']) }), [[order('output.value-removed:state=void'), 'safe']]),
  outputCase('a looser maximum on a result field', z.object({ total: z.number().max(100) }), z.object({ total: z.number().max(1000) }), [[order('output.maximum-loosened:total'), 'breaking']]),
  outputCase('a format removed from a result field', z.object({ contact: z.email() }), z.object({ contact: z.string() }), [[order('output.format-removed:contact'), 'breaking']]),
  outputCase(
    'a union member added to the result',
    z.object({ pay: z.discriminatedUnion('by', [z.object({ by: z.literal('card') }), z.object({ by: z.literal('cash') })]) }),
    z.object({ pay: z.discriminatedUnion('by', [z.object({ by: z.literal('card') }), z.object({ by: z.literal('cash') }), z.object({ by: z.literal('iou') })]) }),
    [[order('output.variant-added:pay<by=iou>'), 'breaking']],
  ),
  outputCase(
    'a field removed from a named schema, seen through its reference in a list',
    z.object({ lines: z.array(Line({ sku: z.string(), qty: z.number() })) }),
    z.object({ lines: z.array(Line({ sku: z.string() })) }),
    [[order('output.field-removed:lines[].qty'), 'breaking']],
  ),
  {
    name: 'a stream item lost a field',
    before: [streamingShop({ output: z.object({ seq: z.number(), at: z.string() }) })],
    after: [streamingShop({ output: z.object({ seq: z.number() }) })],
    expected: [[order('output.field-removed:at'), 'breaking']],
  },
  {
    name: "an event's data lost a field",
    before: [shop({}, { events: { shipped: event({ data: z.object({ id: z.string(), at: z.string() }) }) } })],
    after: [shop({}, { events: { shipped: event({ data: z.object({ id: z.string() }) }) } })],
    expected: [['shop.v1.events.shipped.data.field-removed:at', 'breaking']],
  },
  {
    name: "a declared error's data lost a field",
    before: [shop({ errors: { OUT_OF_STOCK: { status: 409, data: z.object({ sku: z.string(), left: z.number() }) } } })],
    after: [shop({ errors: { OUT_OF_STOCK: { status: 409, data: z.object({ left: z.number() }) } } })],
    expected: [[order('errors.OUT_OF_STOCK.field-removed:sku'), 'breaking']],
  },
  {
    name: 'a recursive named schema changed once, reported once',
    before: [recursive(false)],
    after: [recursive(true)],
    expected: [[order('output.field-added:label'), 'safe']],
  },
];

/** shop v1 whose `order` returns a tree (a named, recursive schema), with or without a label. */
function recursive(labelled: boolean) {
  const Node: z.ZodType = z.lazy(() => z.object({ id: z.string(), ...(labelled ? { label: z.string() } : {}), children: z.array(Node) })).meta({ id: 'EvolutionCaseNode' });
  return shop({ output: Node });
}
