/**
 * JSON Schemas (draft-07) of the NATS micro discovery replies, written for these tests from ADR-32
 * ("Service API", revision 6): the standard fields, INFO with endpoints (subject and queue group),
 * STATS with integer nanosecond times, `last_error` always present and `started` as RFC 3339.
 * Stricter than the spec's optional fields where Accord promises more (metadata always present).
 */

/** The official SemVer 2.0.0 regular expression (semver.org), as ADR-32 asks. */
const SEMVER = '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';
const NAME = { type: 'string', pattern: '^[A-Za-z0-9_-]+$' };
const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };
const NANOS = { type: 'integer', minimum: 0 };

function identity(type: string) {
  return {
    type: { const: type },
    name: NAME,
    id: { type: 'string', minLength: 1 },
    version: { type: 'string', pattern: SEMVER },
    metadata: STRING_MAP,
  };
}

const IDENTITY_FIELDS = ['type', 'name', 'id', 'version', 'metadata'];

export const pingSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: IDENTITY_FIELDS,
  properties: identity('io.nats.micro.v1.ping_response'),
};

export const infoSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: [...IDENTITY_FIELDS, 'description', 'endpoints'],
  properties: {
    ...identity('io.nats.micro.v1.info_response'),
    description: { type: 'string' },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'subject', 'queue_group', 'metadata'],
        properties: { name: NAME, subject: { type: 'string', minLength: 1 }, queue_group: { type: 'string' }, metadata: STRING_MAP },
      },
    },
  },
};

export const statsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: [...IDENTITY_FIELDS, 'started', 'endpoints'],
  properties: {
    ...identity('io.nats.micro.v1.stats_response'),
    started: { type: 'string', format: 'date-time' },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'subject', 'queue_group', 'num_requests', 'num_errors', 'last_error', 'processing_time', 'average_processing_time'],
        properties: {
          name: NAME,
          subject: { type: 'string', minLength: 1 },
          queue_group: { type: 'string' },
          num_requests: { type: 'integer', minimum: 0 },
          num_errors: { type: 'integer', minimum: 0 },
          last_error: { type: 'string' },
          processing_time: NANOS,
          average_processing_time: NANOS,
          data: { type: 'object' },
        },
      },
    },
  },
};
