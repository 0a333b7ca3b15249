/**
 * The HTTP server's own pages: `GET /openapi.json` (the generated document), `GET /docs` (Swagger
 * UI from swagger-ui-dist's local files, no CDN), `GET /healthz` (the process is up) and
 * `GET /readyz` (started and not draining; 503 while draining).
 */
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeJson } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';
import type { HealthReport } from '../../core/health.js';
import { sendError, JSON_CONTENT_TYPE } from './responses.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

function swaggerDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  </script>
</body>
</html>
`;

export interface PagesOptions {
  openapiFile: string | undefined;
  docs: boolean;
  /** This transport's own view: started and not draining. */
  isReady(): boolean;
  /** The server's view (runtime/core/health.ts): every transport up, not draining. */
  health(): HealthReport;
}

export function registerPages(app: FastifyInstance, options: PagesOptions): void {
  app.get('/healthz', (_req, reply) => {
    const health = options.health();
    reply.header('cache-control', 'no-store');
    if (!health.live) return sendError(reply, new AccordError('UNAVAILABLE', 'the server has stopped'), false);
    reply.header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify({ status: 'ok', state: health.state, uptimeMs: health.uptimeMs }));
  });
  app.get('/readyz', (_req, reply) => {
    const health = options.health();
    reply.header('cache-control', 'no-store');
    if (options.isReady() && health.ready) {
      reply.header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify({ status: 'ready', state: health.state, services: health.services }));
    } else {
      sendError(reply, new AccordError('UNAVAILABLE', `not ready: the server is ${options.isReady() ? health.state : 'draining'}`), false);
    }
  });

  app.get('/openapi.json', async (_req, reply) => {
    if (!options.openapiFile) return sendError(reply, new AccordError('NOT_FOUND', 'this server has no OpenAPI document configured (openapiFile)'), false);
    let text: string;
    try {
      text = await readFile(options.openapiFile, 'utf8'); // read per request: `accord gen --watch` keeps it fresh
    } catch {
      return sendError(reply, new AccordError('NOT_FOUND', `no OpenAPI document at ${options.openapiFile}; run \`npm run gen\``), false);
    }
    return reply.header('content-type', JSON_CONTENT_TYPE).send(text);
  });

  if (!options.docs) return;
  const dir = swaggerDir();
  const cache = new Map<string, Buffer>();
  app.get('/docs', (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8').send(PAGE);
  });
  app.get('/docs/assets/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const type = ASSETS[file];
    if (!type) return sendError(reply, new AccordError('NOT_FOUND', `no docs asset '${file}'`), false);
    let body = cache.get(file);
    if (!body) cache.set(file, (body = await readFile(join(dir, file))));
    return reply.header('content-type', type).header('cache-control', 'public, max-age=86400').send(body);
  });
}

/** Used by the not-found handler: the same error shape as every other failure. */
export function notFoundBody(method: string, url: string): string {
  const hint = method !== 'POST' && url.startsWith('/rpc/') ? ' (RPC calls use POST)' : '';
  return encodeJson(new AccordError('NOT_FOUND', `no route ${method} ${url.split('?')[0]}${hint}`).toWire());
}
