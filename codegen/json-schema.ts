/**
 * Codegen converts message schemas with the same function fingerprints use (zod 4's own
 * `z.toJSONSchema`, bytes() as base64), which lives with the contract language so the runtime
 * can compute fingerprints without codegen.
 */
export { toJsonSchema, type Io, type JsonSchema, type JsonSchemaDialect } from '../runtime/contract/json-schema.js';
