/**
 * Finds values a wire would silently change or drop, so the test kit fails where production would
 * misbehave: functions, symbols, bigints, Maps, Sets, Dates, class instances and non-finite
 * numbers. Plain objects, arrays, strings, finite numbers, booleans, null, undefined and
 * Uint8Array (Buffer included) are fine.
 */
export function findUnserializable(value: unknown, path = '$', seen = new Set<object>()): string | undefined {
  switch (typeof value) {
    case 'string': case 'boolean': case 'undefined': return undefined;
    case 'number': return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON turns into null`;
    case 'bigint': return `${path} is a bigint; send a number or a string`;
    case 'function': return `${path} is a function`;
    case 'symbol': return `${path} is a symbol`;
  }
  if (value === null || value instanceof Uint8Array) return undefined;
  const obj = value as object;
  if (seen.has(obj)) return `${path} is a circular reference`;
  if (Array.isArray(obj)) {
    seen.add(obj);
    for (let i = 0; i < obj.length; i++) {
      const problem = findUnserializable(obj[i], `${path}[${i}]`, seen);
      if (problem) return problem;
    }
    seen.delete(obj);
    return undefined;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const kind = obj instanceof Date ? 'a Date (send an ISO string)' : obj instanceof Map ? 'a Map' : obj instanceof Set ? 'a Set' : `an instance of ${proto?.constructor?.name ?? 'a class'}`;
    return `${path} is ${kind}, which does not survive the wire`;
  }
  seen.add(obj);
  for (const [key, child] of Object.entries(obj)) {
    const problem = findUnserializable(child, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
    if (problem) return problem;
  }
  seen.delete(obj);
  return undefined;
}
