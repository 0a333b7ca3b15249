/**
 * One kind of contract change for the classification table: contracts before and after, and the
 * exact changes (id and severity) `accord diff` must report. Builders keep each case to its
 * difference: a service `shop` v1 whose method `order` differs in one option or schema.
 */
import { z } from 'zod';
import { service, stream, unary, type ServiceContract } from 'accord-rpc/contract';
import type { Severity } from '../../../codegen/evolution/change.js';

export interface ChangeCase {
  name: string;
  before: ServiceContract[];
  after: ServiceContract[];
  expected: Array<[id: string, severity: Severity]>;
}

type MethodOptions = Parameters<typeof unary>[0];

const DEFAULT_METHOD: MethodOptions = {
  input: z.object({ id: z.string() }),
  output: z.object({ total: z.number() }),
};

const SCHEMES = { bearer: { type: 'bearer' }, key: { type: 'apiKey', in: 'header', name: 'x-key' } } as const;

/** Service shop v1 with method `order` (and any other methods given). */
export function shop(order: Partial<MethodOptions> = {}, extra: Partial<Parameters<typeof service>[0]> = {}): ServiceContract {
  return service({
    name: 'shop',
    version: 1,
    securitySchemes: SCHEMES,
    ...extra,
    methods: { order: unary({ ...DEFAULT_METHOD, ...order }), ...extra.methods },
  });
}

/** shop v1 whose `order` is a server stream. */
export function streamingShop(order: Partial<MethodOptions> = {}): ServiceContract {
  return service({ name: 'shop', version: 1, securitySchemes: SCHEMES, methods: { order: stream({ ...DEFAULT_METHOD, ...order }) } });
}

/** A case that changes only `order`'s options. */
export function methodCase(name: string, before: Partial<MethodOptions>, after: Partial<MethodOptions>, expected: ChangeCase['expected']): ChangeCase {
  return { name, before: [shop(before)], after: [shop(after)], expected };
}

/** A case that changes only `order`'s input schema. */
export function inputCase(name: string, before: z.ZodType, after: z.ZodType, expected: ChangeCase['expected']): ChangeCase {
  return methodCase(name, { input: before }, { input: after }, expected);
}

/** A case that changes only `order`'s output schema. */
export function outputCase(name: string, before: z.ZodType, after: z.ZodType, expected: ChangeCase['expected']): ChangeCase {
  return methodCase(name, { output: before }, { output: after }, expected);
}

/** `shop.v1.order.<rest>` */
export const order = (rest: string): string => `shop.v1.order.${rest}`;
