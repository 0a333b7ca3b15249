/**
 * Brings an output directory in line with what gen produced: writes changed files, deletes files
 * gen no longer produces (a removed service), or, for `--check`, only reports the differences.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export interface TreeDiff {
  /** Files whose content differs. */
  stale: string[];
  /** Files gen produces that are not there. */
  missing: string[];
  /** Files there that gen does not produce. */
  extra: string[];
}

/** Every file under `dir`, relative and `/`-separated (none when the directory does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export function diffTree(dir: string, files: Map<string, string>): TreeDiff {
  const present = new Set(listFiles(dir));
  const diff: TreeDiff = { stale: [], missing: [], extra: [] };
  for (const [path, content] of files) {
    if (!present.has(path)) diff.missing.push(path);
    else if (readFileSync(join(dir, path), 'utf8') !== content) diff.stale.push(path);
  }
  for (const path of present) if (!files.has(path)) diff.extra.push(path);
  return diff;
}

export function isClean(diff: TreeDiff): boolean {
  return diff.stale.length + diff.missing.length + diff.extra.length === 0;
}

/** Writes what changed and deletes extra files (and directories they leave empty). Returns the diff applied. */
export function writeTree(dir: string, files: Map<string, string>): TreeDiff {
  const diff = diffTree(dir, files);
  for (const path of [...diff.missing, ...diff.stale]) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, files.get(path)!);
  }
  for (const path of diff.extra) {
    rmSync(join(dir, path));
    removeEmptyParents(dir, dirname(join(dir, path)));
  }
  return diff;
}

function removeEmptyParents(root: string, dir: string): void {
  for (let current = dir; current.startsWith(root) && current !== root; current = dirname(current)) {
    if (readdirSync(current).length > 0) return;
    rmdirSync(current);
  }
}
