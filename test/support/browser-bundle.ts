/**
 * Bundles a test page or module for the browser with esbuild, as a frontend's bundler would: no
 * Node built-ins resolve, and `accord-rpc/...` imports resolve through the package's `exports`
 * (to its TypeScript sources, with the repository's `accord-source` condition).
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';

export interface BrowserBundle {
  text: string;
  /** Every source file the bundle holds, relative to the working directory. */
  inputs: string[];
  metafile: Metafile;
}

export async function bundleForBrowser(entry: string, options: Pick<BuildOptions, 'format' | 'minify'> = {}): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: options.format ?? 'esm',
    minify: options.minify,
    platform: 'browser',
    target: 'es2022',
    conditions: ['accord-source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { text: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs), metafile: result.metafile };
}
