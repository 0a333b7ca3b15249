/** The contract language. Depends on zod only, so it can be imported anywhere, a browser included. */
export { service, unary, stream, event, ContractError, objectShape } from './define.js';
export { bytes, isBytesSchema } from './bytes.js';
export { bytesPaths } from './bytes-paths.js';
export { childSchemas, findUnsupported, hasTransforms } from './schema-support.js';
export { FRAMEWORK_ERROR_CODES } from './reserved.js';
export { serviceKey } from './types.js';
export { collectServices, isServiceContract } from './registry.js';
export type * from './types.js';
