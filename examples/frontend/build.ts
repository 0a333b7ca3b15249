/**
 * Bundles the example app with esbuild, as a production frontend build would: minified, for
 * browsers, React's production build. In this repository `accord-rpc/...` resolves to the sources
 * through the `accord-source` condition; an installed package resolves to its `dist/`.
 *
 *   npx tsx --conditions=accord-source examples/frontend/build.ts   # prints the bundle's size
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface FrontendBuild {
  /** The page (app/index.html), loading `/app.js`. */
  html: string;
  /** The app's JavaScript. */
  js: string;
  /** Every source file in the bundle, relative to the working directory. */
  inputs: string[];
  metafile: Metafile;
}

export async function buildFrontend(options: { minify?: boolean } = {}): Promise<FrontendBuild> {
  const result = await build({
    entryPoints: [here('./app/main.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    conditions: ['accord-source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]!.text;
  return { html: readFileSync(here('./app/index.html'), 'utf8'), js, inputs: Object.keys(result.metafile.inputs), metafile: result.metafile };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { js } = await buildFrontend();
  process.stdout.write(`app.js: ${js.length} bytes minified, ${gzipSync(js, { level: 9 }).length} gzipped\n`);
}
