/**
 * A folder as it was at a git ref, written into a temporary folder under `<cwd>/.tmp/` so that the
 * contract modules in it resolve their imports (`zod`, `accord-rpc/contract`) the way the working
 * tree's do. Reads with `git ls-tree` and one `git cat-file --batch`: the working tree, the index
 * and HEAD are never touched.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitSnapshot {
  /** The folder's copy, at the same path relative to the temporary root as the folder is to cwd. */
  folder: string;
  /** The full commit id the ref named. */
  commit: string;
  /** Deletes the copy (and `.tmp/` if this made it and it is empty). */
  remove(): void;
}

/** A ref that names no commit, or a folder missing at the ref; the message says which. */
export class GitSnapshotError extends Error {
  override name = 'GitSnapshotError';
}

let counter = 0;

/** The commit `ref` names, or undefined when `cwd` is not in a repository or `ref` names none. */
export async function resolveCommit(ref: string, cwd: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined; // never let a ref be read as an option
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function snapshotFolder(ref: string, commit: string, folder: string, cwd: string): Promise<GitSnapshot> {
  const top = realpathSync((await run('git', ['rev-parse', '--show-toplevel'], { cwd })).stdout.trim());
  const absolute = resolve(realpathSync(cwd), folder);
  const inRepo = relative(top, absolute).split(sep).join('/');
  if (inRepo.startsWith('..')) throw new GitSnapshotError(`${folder}: not inside the git repository at ${top}`);
  const entries = await listBlobs(commit, inRepo || '.', top);
  if (entries.length === 0) throw new GitSnapshotError(`${inRepo}/ does not exist at ${ref} (${commit.slice(0, 7)})`);

  const tmpParent = join(realpathSync(cwd), '.tmp');
  const madeParent = !existsSync(tmpParent);
  const root = join(tmpParent, `accord-diff-${process.pid}-${++counter}`);
  // The copy keeps the folder's path below cwd; a folder outside cwd gets its own name.
  const fromCwd = relative(realpathSync(cwd), absolute);
  const target = join(root, fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? basename(absolute) || 'contracts' : fromCwd);
  const remove = (): void => {
    rmSync(root, { recursive: true, force: true });
    if (madeParent && existsSync(tmpParent) && readdirSync(tmpParent).length === 0) rmdirSync(tmpParent);
  };
  try {
    const contents = await readBlobs(entries.map((e) => e.oid), top);
    entries.forEach((entry, i) => {
      const file = join(target, inRepo ? entry.path.slice(inRepo.length + 1) : entry.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, contents[i]);
    });
  } catch (error) {
    remove();
    throw error;
  }
  return { folder: target, commit, remove };
}

async function listBlobs(commit: string, path: string, top: string): Promise<Array<{ oid: string; path: string }>> {
  const { stdout } = await run('git', ['ls-tree', '-r', '-z', '--full-tree', commit, '--', path], { cwd: top, maxBuffer: 64 << 20 });
  return stdout.split('\0').filter(Boolean).flatMap((line) => {
    const [meta, file] = [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)];
    const [mode, type, oid] = meta.split(' ');
    // Files only: submodules have no content here, and a symlink's blob is its target's name.
    return type === 'blob' && mode !== '120000' ? [{ oid, path: file }] : [];
  });
}

/** Contents of blobs by id, through one `git cat-file --batch`. */
function readBlobs(oids: string[], top: string): Promise<Buffer[]> {
  return new Promise((resolveBlobs, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: top, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new GitSnapshotError(`git cat-file failed (${code}): ${stderr.trim()}`));
      try {
        resolveBlobs(parseBatch(Buffer.concat(chunks), oids.length));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(oids.map((oid) => `${oid}\n`).join(''));
  });
}

/** `<oid> <type> <size>\n<content>\n`, repeated. */
function parseBatch(output: Buffer, count: number): Buffer[] {
  const blobs: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = output.indexOf(0x0a, at);
    const header = output.subarray(at, eol).toString();
    const size = Number(header.split(' ')[2]);
    if (!Number.isInteger(size)) throw new GitSnapshotError(`git cat-file: unexpected answer '${header}'`);
    blobs.push(output.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return blobs;
}
