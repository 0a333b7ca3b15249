/**
 * `generated/schemas/<service>.v<N>.<method>.input.json` and `.output.json`: one JSON Schema
 * 2020-12 document per message (input as the caller writes it, output as the caller receives it;
 * for a stream, one item). Named schemas are in each document's `$defs`.
 */
import { serviceKey, type ServiceContract } from '../runtime/contract/index.js';
import { JSON_GENERATED_NOTE } from './file-header.js';
import { toJsonSchema, type JsonSchema } from './json-schema.js';

export function buildJsonSchemaFiles(services: ServiceContract[]): Map<string, JsonSchema> {
  const files = new Map<string, JsonSchema>();
  for (const service of services) {
    for (const [method, contract] of Object.entries(service.methods)) {
      const base = `schemas/${serviceKey(service)}.${method}`;
      files.set(`${base}.input.json`, document(toJsonSchema(contract.input, 'input'), `${serviceKey(service)}.${method} input`));
      const what = contract.kind === 'stream' ? 'stream item' : 'output';
      files.set(`${base}.output.json`, document(toJsonSchema(contract.output, 'output'), `${serviceKey(service)}.${method} ${what}`));
    }
  }
  return files;
}

/** `$schema` and `$comment` first (the generated-file note: JSON has no comments), then the schema. */
function document(schema: JsonSchema, title: string): JsonSchema {
  const { $schema, ...rest } = schema;
  return { $schema, $comment: JSON_GENERATED_NOTE, title: rest.title ?? title, ...rest };
}
