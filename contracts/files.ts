import { z } from 'zod';
import { bytes, service, stream, unary } from 'accord-rpc/contract';

export const files = service({
  name: 'files',
  version: 1,
  description: 'Binary data: uploads as bytes, downloads as a stream of chunks.',
  securitySchemes: {
    apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A key issued to your integration' },
  },
  methods: {
    upload: unary({
      summary: 'Store a file',
      input: z.object({
        name: z.string().min(1).max(255),
        contentType: z.string().default('application/octet-stream'),
        content: bytes().describe('The file, as raw bytes (base64 in JSON)'),
      }),
      output: z.object({ id: z.string(), size: z.number().int(), sha256: z.string() }),
      errors: { TOO_LARGE: { status: 413, description: 'Over the per-file limit', data: z.object({ limit: z.number().int() }) } },
      tags: ['files'],
      auth: 'apiKey',
    }),
    download: stream({
      summary: 'Read a stored file as a stream of chunks',
      input: z.object({ id: z.string(), chunkSize: z.number().int().min(1).max(1_048_576).default(65_536) }),
      output: z.object({ offset: z.number().int(), chunk: bytes() }),
      errors: { NOT_FOUND: { status: 404, description: 'No file has this id', data: z.object({ id: z.string() }) } },
      tags: ['files'],
    }),
  },
});
