import { z } from 'zod';
import { event, service, unary } from 'accord-rpc/contract';

const securitySchemes = {
  bearer: { type: 'bearer', format: 'opaque token', description: 'A token from your identity provider' },
} as const;

export const UserV1 = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.email(),
  })
  .meta({ id: 'UserV1', description: 'A user, as version 1 shows it' });

const userNotFound = { status: 404, description: 'No user has this id', data: z.object({ id: z.string() }) };
const userExists = { status: 409, description: 'A user with this email exists', data: z.object({ email: z.string() }) };

/** Page input with defaults and coercion: callers may omit both, and query strings arrive as text. */
const pageInput = {
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size'),
  cursor: z.string().optional().describe('Opaque cursor from the previous page'),
};

export const usersV1 = service({
  name: 'users',
  version: 1,
  description: 'User accounts (version 1: a single name field).',
  securitySchemes,
  methods: {
    get: unary({
      summary: 'Get a user by id',
      route: 'GET /v1/users/{id}',
      input: z.object({ id: z.string().min(1) }),
      output: UserV1,
      errors: { NOT_FOUND: userNotFound },
      tags: ['users'],
      idempotent: true,
      runs: 'inline',
    }),
    list: unary({
      summary: 'List users, a page at a time',
      route: 'GET /v1/users',
      input: z.object(pageInput),
      output: z.object({ items: z.array(UserV1), nextCursor: z.string().optional() }),
      tags: ['users'],
      idempotent: true,
      runs: 'inline',
    }),
    create: unary({
      summary: 'Create a user',
      route: 'POST /v1/users',
      input: z.object({ name: z.string().min(1), email: z.email() }),
      output: UserV1,
      errors: { ALREADY_EXISTS: userExists },
      tags: ['users'],
      auth: 'bearer',
      runs: 'inline',
      deprecated: true,
      description: 'Deprecated: use users v2, which splits the name.',
    }),
  },
  events: {
    created: event({ data: UserV1, description: 'A user was created' }),
  },
});

export const UserV2 = z
  .object({
    id: z.string(),
    givenName: z.string(),
    familyName: z.string(),
    email: z.email(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'UserV2', description: 'A user, as version 2 shows it' });

export const usersV2 = service({
  name: 'users',
  version: 2,
  description: 'User accounts (version 2: given and family names, timestamps, updates and deletes).',
  securitySchemes,
  methods: {
    get: unary({
      summary: 'Get a user by id',
      route: 'GET /v2/users/{id}',
      input: z.object({ id: z.string().min(1) }),
      output: UserV2,
      errors: { NOT_FOUND: userNotFound },
      tags: ['users'],
      idempotent: true,
      runs: 'inline',
    }),
    list: unary({
      summary: 'List users, a page at a time, optionally filtered by name',
      route: 'GET /v2/users',
      input: z.object({
        ...pageInput,
        nameContains: z.string().trim().toLowerCase().optional().describe('Case-insensitive filter on the full name'),
      }),
      output: z.object({ items: z.array(UserV2), nextCursor: z.string().optional() }),
      tags: ['users'],
      idempotent: true,
      runs: 'inline',
    }),
    create: unary({
      summary: 'Create a user',
      route: 'POST /v2/users',
      input: z.object({ givenName: z.string().min(1), familyName: z.string().min(1), email: z.email() }),
      output: UserV2,
      errors: { ALREADY_EXISTS: userExists },
      tags: ['users'],
      auth: 'bearer',
      runs: 'inline',
    }),
    update: unary({
      summary: 'Change some fields of a user',
      route: 'PATCH /v2/users/{id}',
      input: z.object({
        id: z.string().min(1),
        givenName: z.string().min(1).optional(),
        familyName: z.string().min(1).optional(),
        email: z.email().optional(),
      }),
      output: UserV2,
      errors: { NOT_FOUND: userNotFound, ALREADY_EXISTS: userExists },
      tags: ['users'],
      auth: { scheme: 'bearer', scopes: ['users:write'] },
      runs: 'inline',
    }),
    remove: unary({
      summary: 'Delete a user',
      route: 'DELETE /v2/users/{id}',
      input: z.object({ id: z.string().min(1) }),
      output: z.object({ removed: z.boolean() }),
      errors: { NOT_FOUND: userNotFound },
      tags: ['users'],
      auth: { scheme: 'bearer', scopes: ['users:write'] },
      idempotent: true,
      runs: 'inline',
    }),
  },
  events: {
    created: event({ data: UserV2, description: 'A user was created' }),
    removed: event({ data: z.object({ id: z.string() }), description: 'A user was deleted' }),
  },
});
