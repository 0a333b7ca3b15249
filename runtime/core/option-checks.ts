/** Checks of numeric options, failing at construction with the option's name (a typo must not pass silently). Browser-safe. */

export function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${field} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}
