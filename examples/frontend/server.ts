/**
 * Serves the frontend example: the example services (users v2 with its demo auth, the ticker over
 * HTTP and WebSocket), this example's slow reports, and the bundled app at `/` on the same origin.
 *
 *   npx tsx --conditions=accord-source examples/frontend/server.ts     # http://127.0.0.1:3001 (PORT to change)
 *
 * test/frontend/example-app.test.ts starts the same server on a free port and drives the page.
 */
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createServer, type AccordServer } from 'accord-rpc/server';
import demoConfig from '../../accord.config.js';
import { createTickerService } from '../handlers/ticker.js';
import { createUsersServices, UserStore } from '../handlers/users.js';
import { buildFrontend } from './build.js';
import { createReportsService, type ReportOutcome } from './handlers/reports.js';

export interface FrontendServerOptions {
  /** Default 3001; 0 picks a free port. */
  port?: number;
  logLevel?: 'silent' | 'info';
  /** Each report the server finished or saw cancelled (default: logged). */
  onReport?: (outcome: ReportOutcome) => void;
}

export interface FrontendServer {
  url: string;
  server: AccordServer;
  stop(): Promise<void>;
}

export async function startFrontendServer(options: FrontendServerOptions = {}): Promise<FrontendServer> {
  const app = await buildFrontend();
  const store = new UserStore();
  // A list with something in it from the first load.
  store.create({ givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com' });
  store.create({ givenName: 'Alan', familyName: 'Turing', email: 'alan@example.com' });
  const onReport = options.onReport ?? ((r: ReportOutcome) => process.stdout.write(`report "${r.name}" ${r.outcome}\n`));
  const server = await createServer({
    services: [createUsersServices(store).v2, createTickerService(), createReportsService(onReport)],
    authenticate: demoConfig.authenticate,
    logLevel: options.logLevel ?? 'info',
    pool: false,
    shutdownGraceMs: 1_000,
    transports: {
      http: {
        host: '127.0.0.1',
        port: options.port ?? 3001,
        configure: (http: FastifyInstance) => {
          http.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(app.html));
          http.get('/app.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(app.js));
        },
      },
      ws: { path: '/ws' },
    },
  });
  await server.start();
  return { url: server.urls.http!, server, stop: () => server.stop() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await startFrontendServer({ port: Number(process.env.PORT ?? 3001) });
  process.stdout.write(`Accord frontend example: ${url}  (bearer tokens: demo-admin, demo-reader)\n`);
}
