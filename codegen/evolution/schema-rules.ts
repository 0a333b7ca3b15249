/**
 * How each kind of schema change is classified, from the side that reads the message.
 * `input` is written by callers already deployed and read by the new server: a change that
 * refuses something callers send is breaking. `output` (results, stream items, error data, event
 * data) is written by the new server and read by callers already deployed: a change that sends
 * them something they do not expect is breaking. New output fields are safe: Accord clients and
 * JSON readers ignore fields they do not know.
 */
import type { Severity } from './change.js';

export type Direction = 'input' | 'output';

interface RuleSpec {
  input: Severity;
  output: Severity;
  /** Who it breaks, per direction, when it does. */
  why?: Partial<Record<Direction, string>>;
}

const REFUSED = 'callers that send it are refused';
const SURPRISED = 'deployed callers may receive values they do not expect';
const NARROWS: RuleSpec = { input: 'breaking', output: 'safe', why: { input: REFUSED } };
const WIDENS: RuleSpec = { input: 'safe', output: 'breaking', why: { output: SURPRISED } };
const BOTH: RuleSpec = { input: 'breaking', output: 'breaking', why: { input: REFUSED, output: SURPRISED } };

/** Numeric, length and count bounds: `<keyword>-tightened` narrows, `<keyword>-loosened` widens. */
export const BOUND_KEYWORDS = ['minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems'] as const;

export const SCHEMA_RULES: Record<string, RuleSpec> = {
  'type-changed': BOTH,
  'type-narrowed': NARROWS,
  'type-widened': WIDENS,
  'value-removed': NARROWS,
  'value-added': WIDENS,
  'values-restricted': NARROWS,
  'values-unrestricted': WIDENS,
  ...Object.fromEntries(BOUND_KEYWORDS.flatMap((k) => [[`${k}-tightened`, NARROWS], [`${k}-loosened`, WIDENS]])),
  'multipleOf-changed': BOTH,
  'pattern-added': NARROWS,
  'pattern-removed': WIDENS,
  'pattern-changed': BOTH,
  'format-added': NARROWS,
  'format-removed': WIDENS,
  'format-changed': BOTH,
  'encoding-changed': BOTH,
  'required-added': { input: 'breaking', output: 'safe', why: { input: 'callers that do not send it are refused' } },
  'optional-added': { input: 'safe', output: 'safe' },
  'field-added': { input: 'safe', output: 'safe' },
  'field-removed': {
    input: 'warning',
    output: 'breaking',
    why: { input: 'the server ignores it when callers send it', output: 'deployed callers that read it find it missing' },
  },
  'optional-field-removed': { input: 'warning', output: 'warning', why: { output: 'deployed callers that read it always find it missing' } },
  'field-refused': { input: 'breaking', output: 'safe', why: { input: 'callers that still send it are refused (unknown fields are refused)' } },
  'became-required': { input: 'breaking', output: 'safe', why: { input: 'callers that omit it are refused' } },
  'became-optional': { input: 'safe', output: 'breaking', why: { output: 'deployed callers that rely on it may find it missing' } },
  'unknown-fields-refused': { input: 'breaking', output: 'safe', why: { input: 'callers that send fields it does not know are refused' } },
  'unknown-fields-allowed': { input: 'safe', output: 'safe' },
  'variant-removed': NARROWS,
  'variant-added': WIDENS,
  'default-changed': { input: 'warning', output: 'safe', why: { input: 'callers that omit it get a different value' } },
  'schema-changed': {
    input: 'breaking',
    output: 'breaking',
    why: { input: 'accord diff cannot tell whether this is compatible: review it, then --allow it', output: 'accord diff cannot tell whether this is compatible: review it, then --allow it' },
  },
};

export function ruleSeverity(rule: string, direction: Direction): { severity: Severity; why?: string } {
  const spec = SCHEMA_RULES[rule];
  if (!spec) throw new Error(`accord diff: no classification for schema rule '${rule}'`);
  return { severity: spec[direction], why: spec.why?.[direction] };
}
