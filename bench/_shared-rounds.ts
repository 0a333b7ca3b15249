/**
 * Rounds for benchmarks that compare Accord with a baseline on a shared machine: each round runs
 * every target once, alternating the order so drift (other load, thermal) hits all of them alike,
 * and results are averaged per target.
 */

export async function alternateRounds<T>(
  names: readonly string[],
  rounds: number,
  measure: (name: string) => Promise<T>,
  print: (label: string, result: T) => void,
): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const result = await measure(name);
      results[name].push(result);
      print(`${name} #${round + 1}`, result);
    }
  }
  return results;
}

/** The mean of every numeric field. */
export function meanOf<T extends Record<string, number>>(results: readonly T[]): T {
  const out: Record<string, number> = {};
  for (const key of Object.keys(results[0])) out[key] = results.reduce((sum, r) => sum + r[key], 0) / results.length;
  return out as T;
}
