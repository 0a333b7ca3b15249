/**
 * JSON Schemas of the error envelope every transport sends, `{ code, message, data }`: one per
 * declared error (its code as a constant, its data typed), and the framework's own (AccordError,
 * AccordInvalidArgument) for components. OpenAPI responses and AsyncAPI stream errors use them.
 */
import { FRAMEWORK_STATUS } from '../runtime/core/errors.js';
import type { JsonSchema } from './json-schema.js';

export function errorEnvelope(code: string, data: JsonSchema | undefined): JsonSchema {
  return {
    type: 'object',
    properties: { code: { type: 'string', const: code }, message: { type: 'string' }, ...(data ? { data } : {}) },
    required: data ? ['code', 'message', 'data'] : ['code', 'message'],
  };
}

export function frameworkSchemas(): Record<string, JsonSchema> {
  return {
    AccordError: {
      type: 'object',
      description: 'The error envelope on every transport: a code (framework or contract), a message and optional data.',
      properties: {
        code: { type: 'string', enum: Object.keys(FRAMEWORK_STATUS).sort() },
        message: { type: 'string' },
        data: {},
      },
      required: ['code', 'message'],
    },
    AccordInvalidArgument: {
      type: 'object',
      description: 'INVALID_ARGUMENT: the input failed validation; `data.issues` lists each problem with its field path.',
      properties: {
        code: { type: 'string', const: 'INVALID_ARGUMENT' },
        message: { type: 'string' },
        data: {
          type: 'object',
          properties: {
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } },
                required: ['path', 'message'],
              },
            },
          },
          required: ['issues'],
        },
      },
      required: ['code', 'message', 'data'],
    },
  };
}
