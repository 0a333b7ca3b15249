/**
 * The conformance suite's own handlers for the example contracts: deterministic, in memory, and
 * instrumented. `probe` records what handlers observed (ctx.signal aborts, generator cleanup,
 * metadata), so tests can check the server side of cancellation whatever the transport.
 *
 * Special inputs:
 * - users v2 `get({ id: 'slow' })` waits until ctx.signal aborts (for deadline and cancel tests).
 * - ticker `watch({ symbol: 'FAIL' })` fails with FAILED_PRECONDITION after two items.
 */
import { createHash } from 'node:crypto';
import { AccordError, type Authenticate, type BoundService } from 'accord-rpc/core';
import { implementFilesV1, filesV1Errors } from '../../generated/files/server.js';
import { implementMathV1, mathV1Errors } from '../../generated/math/server.js';
import { implementTickerV1 } from '../../generated/ticker/server.js';
import { implementUsersV1, implementUsersV2, usersV1Errors, usersV2Errors } from '../../generated/users/server.js';

export interface Probe {
  /** Abort reasons (error codes) seen by `users.v2.get({id:'slow'})`, in order. */
  slowAborted: string[];
  /** How many `ticker.watch` generators ran their `finally`. */
  watchFinished: number;
  /** Items `ticker.watch` produced (summed over calls). */
  watchYielded: number;
  /** Chunks `files.download` produced (summed over calls). */
  downloadYielded: number;
  /** Headers the last `ticker.publish` saw. */
  lastHeaders: Record<string, string> | undefined;
}

export function createProbe(): Probe {
  return { slowAborted: [], watchFinished: 0, watchYielded: 0, downloadYielded: 0, lastHeaders: undefined };
}

/** `Bearer reader` has no scopes, `Bearer writer` has users:write; other tokens are refused. */
export const authenticate: Authenticate = (credential) => {
  if (credential.token === 'reader') return { subject: 'reader', scopes: [] };
  if (credential.token === 'writer') return { subject: 'writer', scopes: ['users:write'] };
  if (credential.token === 'file-key') return { subject: 'integration', scopes: [] };
  return null;
};

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface User {
  id: string;
  givenName: string;
  familyName: string;
  email: string;
  createdAt: string;
}

export function conformanceServices(probe: Probe): BoundService[] {
  const users = new Map<string, User>();
  users.set('u1', { id: 'u1', givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com', createdAt: '2024-01-01T00:00:00.000Z' });
  users.set('u2', { id: 'u2', givenName: 'Alan', familyName: 'Turing', email: 'alan@example.com', createdAt: '2024-01-02T00:00:00.000Z' });
  let nextId = 3;
  const files = new Map<string, Uint8Array>();

  const find = (id: string) => {
    const user = users.get(id);
    if (!user) throw usersV2Errors.NOT_FOUND({ id }, `no user has id '${id}'`);
    return user;
  };
  const emailFree = (email: string) => {
    for (const u of users.values()) if (u.email === email) throw usersV2Errors.ALREADY_EXISTS({ email }, `${email} is taken`);
  };
  const page = (limit: number, cursor: string | undefined, filter: (u: User) => boolean = () => true) => {
    const all = [...users.values()].filter(filter);
    const start = cursor === undefined ? 0 : all.findIndex((u) => u.id === cursor) + 1;
    const items = all.slice(start, start + limit);
    return { items, nextCursor: start + limit < all.length ? items[items.length - 1]?.id : undefined };
  };

  return [
    implementMathV1({
      add: ({ a, b }) => ({ sum: a + b }),
      divide: ({ a, b }) => {
        if (b === 0) throw mathV1Errors.DIVISION_BY_ZERO({ dividend: a }, 'cannot divide by zero');
        return { quotient: a / b };
      },
      fib: ({ n }) => {
        let [x, y] = [0, 1];
        for (let i = 0; i < n; i++) [x, y] = [y, x + y];
        return { value: x };
      },
    }),
    implementUsersV1({
      get: ({ id }) => {
        const u = users.get(id);
        if (!u) throw usersV1Errors.NOT_FOUND({ id }, `no user has id '${id}'`);
        return { id: u.id, name: `${u.givenName} ${u.familyName}`, email: u.email };
      },
      list: ({ limit, cursor }) => {
        const p = page(limit, cursor);
        return { items: p.items.map((u) => ({ id: u.id, name: `${u.givenName} ${u.familyName}`, email: u.email })), nextCursor: p.nextCursor };
      },
      create: ({ name, email }) => {
        emailFree(email);
        const [givenName, ...rest] = name.split(' ');
        const user = { id: `u${nextId++}`, givenName, familyName: rest.join(' '), email, createdAt: new Date().toISOString() };
        users.set(user.id, user);
        return { id: user.id, name, email };
      },
    }),
    implementUsersV2({
      get: async ({ id }, ctx) => {
        if (id === 'slow') {
          try {
            return await waitForAbort(ctx.signal);
          } catch (reason) {
            probe.slowAborted.push(reason instanceof AccordError ? reason.code : String(reason));
            throw reason;
          }
        }
        return find(id);
      },
      list: ({ limit, cursor, nameContains }) =>
        page(limit, cursor, nameContains ? (u) => `${u.givenName} ${u.familyName}`.toLowerCase().includes(nameContains) : undefined),
      create: (input) => {
        emailFree(input.email);
        const user = { id: `u${nextId++}`, createdAt: new Date().toISOString(), ...input };
        users.set(user.id, user);
        return user;
      },
      update: ({ id, ...fields }) => {
        const user = { ...find(id) };
        for (const key of ['givenName', 'familyName', 'email'] as const) if (fields[key] !== undefined) user[key] = fields[key]!;
        users.set(id, user);
        return user;
      },
      remove: ({ id }) => {
        find(id);
        users.delete(id);
        return { removed: true };
      },
    }),
    implementFilesV1({
      upload: ({ content }) => {
        const sha256 = createHash('sha256').update(content).digest('hex');
        files.set(sha256, content);
        return { id: sha256, size: content.byteLength, sha256 };
      },
      download: async function* ({ id, chunkSize }) {
        const content = files.get(id);
        if (!content) throw filesV1Errors.NOT_FOUND({ id }, `no file has id '${id}'`);
        for (let offset = 0; offset < content.length; offset += chunkSize) {
          probe.downloadYielded++;
          yield { offset, chunk: content.slice(offset, offset + chunkSize) };
        }
      },
    }),
    implementTickerV1({
      watch: async function* ({ symbol, count, intervalMs }, ctx) {
        try {
          for (let seq = 0; seq < count; seq++) {
            if (symbol === 'FAIL' && seq === 2) throw new AccordError('FAILED_PRECONDITION', 'the FAIL feed broke after two ticks');
            if (seq > 0 && intervalMs > 0) await sleep(intervalMs, ctx.signal);
            probe.watchYielded++;
            yield { symbol, seq, price: 100 + seq, at: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)).toISOString() };
          }
        } finally {
          probe.watchFinished++;
        }
      },
      publish: ({ price, threshold }, ctx) => {
        probe.lastHeaders = { ...ctx.meta.headers };
        return { alerted: threshold !== undefined && price >= threshold };
      },
    }),
  ];
}
