/**
 * Test helper: type-checks files with the repository's compiler options (tsconfig.json), in
 * process through the TypeScript API, and returns each error as file, line and code.
 */
import { relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface CompileError {
  /** Relative to the repository root, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  code: string;
  message: string;
}

export function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(resolve(ROOT, 'tsconfig.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
}

export function compile(files: string[], options: ts.CompilerOptions = compilerOptions()): CompileError[] {
  const program = ts.createProgram(files.map((f) => resolve(ROOT, f)), { ...options, noEmit: true });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const position = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return {
      file: d.file ? relative(ROOT, d.file.fileName).split('\\').join('/') : '<global>',
      line: position ? position.line + 1 : 0,
      code: `TS${d.code}`,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  });
}

export function formatErrors(errors: CompileError[]): string {
  return errors.map((e) => `${e.file}:${e.line} ${e.code} ${e.message.split('\n')[0]}`).join('\n');
}
