/**
 * The HTTP server's own pages: `GET /openapi.json` and `GET /asyncapi.json` (the generated
 * documents, with the deployment's public `servers` when configured), `GET /docs` (Swagger UI from
 * swagger-ui-dist's local files, no CDN), `GET /healthz` (the process is up) and `GET /readyz`
 * (started and not draining; 503 while draining).
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

/** A public address of this deployment, as the documents list it. */
export interface PublicServer {
  url: string;
  description?: string;
}

export interface PagesOptions {
  openapiFile: string | undefined;
  asyncapiFile: string | undefined;
  /** Public addresses for the documents' `servers`; the generated files say a relative `/`. */
  servers: PublicServer[] | undefined;
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

  serveDocument(app, '/openapi.json', 'OpenAPI', 'openapiFile', options.openapiFile, options.servers && ((doc) => ({ ...doc, servers: options.servers })));
  serveDocument(app, '/asyncapi.json', 'AsyncAPI', 'asyncapiFile', options.asyncapiFile, options.servers && ((doc) => withAsyncApiHost(doc, options.servers![0]!.url)));

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

type JsonDocument = Record<string, unknown>;

/**
 * Serves a generated JSON document, read per request (`accord gen --watch` keeps it fresh), with
 * `adapt` applied when the deployment configured its public servers.
 */
function serveDocument(app: FastifyInstance, path: string, kind: string, option: string, file: string | undefined, adapt: ((doc: JsonDocument) => JsonDocument) | undefined): void {
  app.get(path, async (_req, reply) => {
    if (!file) return sendError(reply, new AccordError('NOT_FOUND', `this server has no ${kind} document configured (${option})`), false);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return sendError(reply, new AccordError('NOT_FOUND', `no ${kind} document at ${file}; run \`npm run gen\``), false);
    }
    if (adapt) text = JSON.stringify(adapt(JSON.parse(text) as JsonDocument));
    return reply.header('content-type', JSON_CONTENT_TYPE).send(text);
  });
}

/** AsyncAPI servers name a host (and a protocol) per server: point every one at the public host. */
function withAsyncApiHost(doc: JsonDocument, publicUrl: string): JsonDocument {
  const host = new URL(publicUrl).host;
  const servers = (doc.servers ?? {}) as Record<string, Record<string, unknown>>;
  const adapted: Record<string, Record<string, unknown>> = {};
  for (const [name, server] of Object.entries(servers)) {
    const variables = server.variables as Record<string, Record<string, unknown>> | undefined;
    adapted[name] = variables?.host ? { ...server, variables: { ...variables, host: { ...variables.host, default: host } } } : { ...server, host };
  }
  return { ...doc, servers: adapted };
}

/** Used by the not-found handler: the same error shape as every other failure. */
export function notFoundBody(method: string, url: string): string {
  const hint = method !== 'POST' && url.startsWith('/rpc/') ? ' (RPC calls use POST)' : '';
  return encodeJson(new AccordError('NOT_FOUND', `no route ${method} ${url.split('?')[0]}${hint}`).toWire());
}
