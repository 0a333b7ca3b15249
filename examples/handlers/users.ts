/**
 * The users service, versions 1 and 2 side by side over one in-memory store (all methods run
 * inline, on the main thread, so they share it). Version 1 shows a single `name`; version 2 splits
 * it. Creating and removing users emit events.
 */
import { randomUUID } from 'node:crypto';
import { implementUsersV1, implementUsersV2, usersV2Errors } from '../../generated/users/server.js';

interface StoredUser {
  id: string;
  givenName: string;
  familyName: string;
  email: string;
  createdAt: string;
}

/** Users by id, in creation order (Map keeps insertion order, which makes cursors stable). */
export class UserStore {
  readonly #byId = new Map<string, StoredUser>();

  get(id: string): StoredUser {
    const user = this.#byId.get(id);
    if (!user) throw usersV2Errors.NOT_FOUND({ id }, `no user has id '${id}'`);
    return user;
  }

  create(fields: Omit<StoredUser, 'id' | 'createdAt'>): StoredUser {
    this.#assertEmailFree(fields.email);
    const user: StoredUser = { id: randomUUID(), createdAt: new Date().toISOString(), ...fields };
    this.#byId.set(user.id, user);
    return user;
  }

  update(id: string, fields: Partial<Omit<StoredUser, 'id' | 'createdAt'>>): StoredUser {
    const user = this.get(id);
    if (fields.email !== undefined && fields.email.toLowerCase() !== user.email.toLowerCase()) this.#assertEmailFree(fields.email);
    const updated: StoredUser = { ...user };
    for (const key of ['givenName', 'familyName', 'email'] as const) if (fields[key] !== undefined) updated[key] = fields[key];
    this.#byId.set(id, updated);
    return updated;
  }

  remove(id: string): void {
    this.get(id);
    this.#byId.delete(id);
  }

  /** A page after `cursor` (the last id of the previous page). */
  page(limit: number, cursor: string | undefined, filter: (u: StoredUser) => boolean = () => true) {
    const all = [...this.#byId.values()].filter(filter);
    const start = cursor === undefined ? 0 : all.findIndex((u) => u.id === cursor) + 1;
    const items = all.slice(start, start + limit);
    const nextCursor = start + limit < all.length ? items[items.length - 1]?.id : undefined;
    return { items, nextCursor };
  }

  #assertEmailFree(email: string): void {
    for (const u of this.#byId.values()) {
      if (u.email.toLowerCase() === email.toLowerCase()) throw usersV2Errors.ALREADY_EXISTS({ email }, `a user with email ${email} exists`);
    }
  }
}

const toV1 = (u: StoredUser) => ({ id: u.id, name: `${u.givenName} ${u.familyName}`.trim(), email: u.email });

/** Splits a v1 `name` into v2 fields: the last word is the family name. */
function splitName(name: string): { givenName: string; familyName: string } {
  const parts = name.trim().split(/\s+/);
  return parts.length > 1 ? { givenName: parts.slice(0, -1).join(' '), familyName: parts[parts.length - 1]! } : { givenName: parts[0]!, familyName: '' };
}

/** Both versions over one store; tests call this for a fresh store each. */
export function createUsersServices(store = new UserStore()) {
  const v1 = implementUsersV1({
    get: ({ id }) => toV1(store.get(id)),
    list: ({ limit, cursor }) => {
      const page = store.page(limit, cursor);
      return { items: page.items.map(toV1), nextCursor: page.nextCursor };
    },
    create: ({ name, email }, ctx) => {
      const user = toV1(store.create({ ...splitName(name), email }));
      ctx.emit('created', user);
      return user;
    },
  });
  const v2 = implementUsersV2({
    get: ({ id }) => store.get(id),
    list: ({ limit, cursor, nameContains }) =>
      store.page(limit, cursor, nameContains ? (u) => `${u.givenName} ${u.familyName}`.toLowerCase().includes(nameContains) : undefined),
    create: (input, ctx) => {
      const user = store.create(input);
      ctx.emit('created', user);
      return user;
    },
    update: ({ id, ...fields }) => store.update(id, fields),
    remove: ({ id }, ctx) => {
      store.remove(id);
      ctx.emit('removed', { id });
      return { removed: true };
    },
  });
  return { v1, v2, store };
}

const shared = createUsersServices();
export const usersV1Service = shared.v1;
export const usersV2Service = shared.v2;
