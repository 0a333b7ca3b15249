/** Input changes, from the callers' side: what deployed callers send must still be accepted. */
import { z } from 'zod';
import { inputCase, order, type ChangeCase } from './change-case.js';

const base = { id: z.string() };

export const INPUT_CASES: ChangeCase[] = [
  inputCase('a new required field', z.object(base), z.object({ ...base, email: z.string() }), [[order('input.required-added:email'), 'breaking']]),
  inputCase('a new optional field', z.object(base), z.object({ ...base, note: z.string().optional() }), [[order('input.optional-added:note'), 'safe']]),
  inputCase('a new field with a default (optional for callers)', z.object(base), z.object({ ...base, qty: z.number().default(1) }), [[order('input.optional-added:qty'), 'safe']]),
  inputCase('an optional field made required', z.object({ ...base, note: z.string().optional() }), z.object({ ...base, note: z.string() }), [[order('input.became-required:note'), 'breaking']]),
  inputCase('a required field made optional', z.object({ ...base, note: z.string() }), z.object({ ...base, note: z.string().optional() }), [[order('input.became-optional:note'), 'safe']]),
  inputCase('a field removed (the server ignores it now)', z.object({ ...base, note: z.string() }), z.object(base), [[order('input.field-removed:note'), 'warning']]),
  inputCase('an enum narrowed', z.object({ size: z.enum(['s', 'm', 'xl']) }), z.object({ size: z.enum(['s', 'm']) }), [[order('input.value-removed:size=xl'), 'breaking']]),
  inputCase('an enum widened', z.object({ size: z.enum(['s', 'm']) }), z.object({ size: z.enum(['s', 'm', 'xs']) }), [[order('input.value-added:size=xs'), 'safe']]),
  inputCase('a free string limited to a list', z.object({ size: z.string() }), z.object({ size: z.enum(['s', 'm']) }), [[order('input.values-restricted:size'), 'breaking']]),
  inputCase('a tighter maximum', z.object({ qty: z.number().max(10) }), z.object({ qty: z.number().max(5) }), [[order('input.maximum-tightened:qty'), 'breaking']]),
  inputCase('a looser minimum', z.object({ qty: z.number().min(5) }), z.object({ qty: z.number().min(1) }), [[order('input.minimum-loosened:qty'), 'safe']]),
  inputCase('an inclusive bound made exclusive', z.object({ qty: z.number().min(0) }), z.object({ qty: z.number().positive() }), [[order('input.minimum-tightened:qty'), 'breaking']]),
  inputCase('a tighter maxLength', z.object({ name: z.string().max(100) }), z.object({ name: z.string().max(20) }), [[order('input.maxLength-tightened:name'), 'breaking']]),
  inputCase('a multipleOf added', z.object({ qty: z.number() }), z.object({ qty: z.number().multipleOf(5) }), [[order('input.multipleOf-tightened:qty'), 'breaking']]),
  inputCase('a changed type', z.object({ id: z.string() }), z.object({ id: z.number() }), [[order('input.type-changed:id'), 'breaking']]),
  inputCase('a widened type (string or number)', z.object({ id: z.string() }), z.object({ id: z.union([z.string(), z.number()]) }), [[order('input.type-widened:id'), 'safe']]),
  inputCase('numbers narrowed to integers', z.object({ qty: z.number() }), z.object({ qty: z.number().int() }), [[order('input.type-narrowed:qty'), 'breaking']]),
  inputCase('null now accepted', z.object({ note: z.string() }), z.object({ note: z.string().nullable() }), [[order('input.type-widened:note'), 'safe']]),
  inputCase('a pattern added', z.object({ code: z.string() }), z.object({ code: z.string().regex(/^[A-Z]+$/) }), [[order('input.pattern-added:code'), 'breaking']]),
  inputCase('a pattern changed', z.object({ code: z.string().regex(/^[A-Z]+$/) }), z.object({ code: z.string().regex(/^[a-z]+$/) }), [[order('input.pattern-changed:code'), 'breaking']]),
  inputCase('a format added (email)', z.object({ contact: z.string() }), z.object({ contact: z.email() }), [[order('input.format-added:contact'), 'breaking']]),
  inputCase('a default changed', z.object({ qty: z.number().default(1) }), z.object({ qty: z.number().default(2) }), [[order('input.default-changed:qty'), 'warning']]),
  inputCase('a required field added in a nested object', z.object({ address: z.object({ street: z.string() }) }), z.object({ address: z.object({ street: z.string(), city: z.string() }) }), [[order('input.required-added:address.city'), 'breaking']]),
  inputCase('array items tightened', z.object({ tags: z.array(z.string()) }), z.object({ tags: z.array(z.string().max(5)) }), [[order('input.maxLength-tightened:tags[]'), 'breaking']]),
  inputCase('a minimum number of items', z.object({ tags: z.array(z.string()) }), z.object({ tags: z.array(z.string()).min(1) }), [[order('input.minItems-tightened:tags'), 'breaking']]),
  inputCase('record values changed type', z.object({ qty: z.record(z.string(), z.number()) }), z.object({ qty: z.record(z.string(), z.string()) }), [[order('input.type-changed:qty{}'), 'breaking']]),
  inputCase(
    'a member of a tagged union removed',
    z.object({ pay: z.discriminatedUnion('by', [z.object({ by: z.literal('card'), pan: z.string() }), z.object({ by: z.literal('cash') })]) }),
    z.object({ pay: z.discriminatedUnion('by', [z.object({ by: z.literal('card'), pan: z.string() })]) }),
    [[order('input.variant-removed:pay<by=cash>'), 'breaking']],
  ),
  inputCase(
    'a field changed inside one member of a tagged union',
    z.object({ pay: z.discriminatedUnion('by', [z.object({ by: z.literal('card'), pan: z.string() }), z.object({ by: z.literal('cash') })]) }),
    z.object({ pay: z.discriminatedUnion('by', [z.object({ by: z.literal('card'), pan: z.string(), cvc: z.string() }), z.object({ by: z.literal('cash') })]) }),
    [[order('input.required-added:pay<by=card>.cvc'), 'breaking']],
  ),
];
