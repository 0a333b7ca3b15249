/** `accord diff <base> [<head>]`: being built (issue: contract evolution). Exits 2 until then. */
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('accord diff: not available yet\n');
  return 2;
}
