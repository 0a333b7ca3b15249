/**
 * The `accord` command line. Each subcommand lives in its own module; this file only dispatches.
 *   accord init [dir]                create a new project (contract, handlers, config, test)
 *   accord gen [--check] [--watch]   generate clients, servers, OpenAPI and JSON Schemas
 *   accord serve [config] [--watch]  start a server from a deploy-time config file
 *   accord diff <base> [<head>]      classify contract changes as breaking or safe
 * Installed, it runs compiled from dist/ through bin.ts; in this repository, `npm run gen` and
 * `npm run serve` run this file from source under tsx.
 */
const commands: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  init: () => import('./init-command.js'),
  gen: () => import('./gen-command.js'),
  diff: () => import('./diff-command.js'),
  serve: () => import('../runtime/server/serve-command.js'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? commands[name] : undefined;
if (!load) {
  process.stderr.write(`usage: accord <${Object.keys(commands).join('|')}> [options]\n`);
  process.exit(2);
}
const code = await (await load()).run(args);
if (code !== 0 || name !== 'serve') process.exitCode = code;
