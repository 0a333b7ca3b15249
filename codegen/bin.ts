#!/usr/bin/env node
/**
 * The installed `accord` command (package.json `bin`, compiled to dist/codegen/bin.js and run by
 * plain `node`). It registers tsx's ESM loader in this process before anything else loads, so the
 * user's TypeScript contracts, `accord.config.ts` and handler modules import without a build step;
 * `.js` modules load as they are. Pool workers register tsx themselves (runtime/pool/spawn.ts):
 * Node does not pass loaders registered with module.register() on to worker threads.
 */
import { register } from 'tsx/esm/api';

register();
await import('./cli.js');
