/**
 * CORS, for browser apps served from another origin. Off by default (same-origin pages and
 * non-browser clients need none); when on, preflights are answered for every route and responses
 * carry the allow-origin header. Registered only when configured, so it costs nothing otherwise.
 */
import type { FastifyInstance } from 'fastify';

export interface CorsOptions {
  /** Allowed origins (`https://app.example.com`), or '*' for any. */
  origins: string[] | '*';
  /** Send `access-control-allow-credentials: true` (cookies, HTTP auth); needs explicit origins. */
  credentials?: boolean;
  /** How long browsers may cache a preflight, in seconds (default 600). */
  maxAgeSeconds?: number;
}

export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  const any = options.origins === '*';
  if (any && options.credentials) throw new Error("cors: credentials need explicit origins, not '*'");
  const allowed = new Set(any ? [] : options.origins);
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (!origin) return undefined;
    if (any) return '*';
    return allowed.has(origin) ? origin : undefined;
  };

  app.addHook('onRequest', (req, reply, done) => {
    const origin = allowOrigin(req.headers.origin);
    if (origin) {
      reply.header('access-control-allow-origin', origin);
      if (!any) reply.header('vary', 'origin');
      if (options.credentials) reply.header('access-control-allow-credentials', 'true');
    }
    done();
  });

  app.options('*', (req, reply) => {
    const origin = allowOrigin(req.headers.origin);
    if (origin) {
      reply
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type, authorization, accord-timeout')
        .header('access-control-max-age', String(options.maxAgeSeconds ?? 600));
    }
    reply.code(204).send();
  });
}
