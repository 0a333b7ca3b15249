/**
 * The ts-morph project gen builds its TypeScript files in: in memory, two-space indents, single
 * quotes, so the printed text is the same on every machine.
 */
import { IndentationText, NewLineKind, Project, QuoteKind, type StatementStructures } from 'ts-morph';

export function createPrinterProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      quoteKind: QuoteKind.Single,
      newLineKind: NewLineKind.LineFeed,
      useTrailingCommas: true,
    },
  });
}

/**
 * The text of a file made of ts-morph statement structures, printed in one pass (editing a file
 * statement by statement re-parses it each time, which is slow for hundreds of services).
 */
export function printStatements(project: Project, path: string, statements: Array<string | StatementStructures>): string {
  const file = project.createSourceFile(path, { statements }, { overwrite: true });
  const text = file.getFullText();
  project.removeSourceFile(file);
  return text;
}

/** Imports, a blank line, then the body. */
export function printModule(
  project: Project,
  path: string,
  imports: StatementStructures[],
  body: Array<string | StatementStructures>,
): string {
  return `${printStatements(project, path, imports)}\n${printStatements(project, path, body)}`;
}
