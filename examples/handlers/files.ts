/**
 * The files service. Both methods run in the worker pool, where every worker thread has its own
 * memory, so files live on disk: in ACCORD_FILES_DIR (default `<tmpdir>/accord-files`), named by
 * the sha256 of their content, so any worker can serve any upload and identical uploads share one
 * file. Uploads over ACCORD_FILES_MAX_BYTES (default 512 KiB: under the transports' 1 MiB message
 * limits, so a caller can actually meet the typed TOO_LARGE error) fail with TOO_LARGE.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesV1Errors, implementFilesV1 } from '../../generated/files/server.js';

export const DEFAULT_MAX_BYTES = 512 * 1024;

/** Read at call time, so tests (and workers, which inherit the environment) can point it elsewhere. */
export function filesDir(): string {
  return process.env.ACCORD_FILES_DIR || join(tmpdir(), 'accord-files');
}

function maxBytes(): number {
  const n = Number(process.env.ACCORD_FILES_MAX_BYTES);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_BYTES;
}

const ID = /^[0-9a-f]{64}$/;

export const filesService = implementFilesV1({
  upload: async ({ content }) => {
    const limit = maxBytes();
    if (content.byteLength > limit) throw filesV1Errors.TOO_LARGE({ limit }, `the file is ${content.byteLength} bytes, over the limit of ${limit}`);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const dir = filesDir();
    const path = join(dir, sha256);
    const exists = await stat(path).then(() => true, () => false);
    if (!exists) {
      await mkdir(dir, { recursive: true });
      // Write aside, then rename: a concurrent download never sees half a file.
      const temp = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(temp, content);
        await rename(temp, path);
      } finally {
        await rm(temp, { force: true });
      }
    }
    return { id: sha256, size: content.byteLength, sha256 };
  },

  download: async function* ({ id, chunkSize }, ctx) {
    const notFound = () => filesV1Errors.NOT_FOUND({ id }, `no file has id '${id}'`);
    if (!ID.test(id)) throw notFound();
    const handle = await open(join(filesDir(), id), 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? notFound() : error;
    });
    try {
      for (let offset = 0; ; ) {
        ctx.signal.throwIfAborted();
        const chunk = new Uint8Array(chunkSize);
        const { bytesRead } = await handle.read(chunk, 0, chunkSize, offset);
        if (bytesRead === 0) return;
        yield { offset, chunk: bytesRead === chunkSize ? chunk : chunk.slice(0, bytesRead) };
        offset += bytesRead;
      }
    } finally {
      await handle.close();
    }
  },
});
