/**
 * `generated/<service>/server.ts`: per version the handler interface, `implement<Service>V<N>()`
 * (binds handlers to the contract with full type checking) and typed constructors of the declared
 * errors. Server-side only: it imports the contract (zod) and the runtime core.
 */
import { StructureKind, type Project, type StatementStructures } from 'ts-morph';
import type { LoadedService } from './load-contracts.js';
import {
  errorHelpersName, errorsTypeName, eventsTypeName, handlersTypeName, implementName, methodTypeNames,
} from './naming.js';
import { printModule } from './source-printer.js';
import { importSpecifier } from './module-paths.js';
import { docText } from './ts-type-emitter.js';

export interface ServerFileInput {
  project: Project;
  /** Absolute path the file will have (for relative imports). */
  path: string;
  versions: LoadedService[];
  /** The server runtime's module specifier (`accord-rpc/server`). */
  runtimeServer: string;
}

export function emitServerFile({ project, path, versions, runtimeServer }: ServerFileInput): string {
  const imports: StatementStructures[] = [];
  const body: Array<string | StatementStructures> = [];
  const core = runtimeServer;
  imports.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: core, namedImports: ['AccordError', 'bindService'] });
  imports.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: core, isTypeOnly: true, namedImports: ['BoundService', 'HandlerContext'] });

  const byModule = new Map<string, string[]>();
  for (const { file: contractFile, exportName } of versions) {
    const list = byModule.get(contractFile) ?? [];
    list.push(exportName);
    byModule.set(contractFile, list);
  }
  for (const [contractFile, exports] of [...byModule].sort()) {
    imports.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: importSpecifier(path, contractFile), namedImports: [...new Set(exports)].sort().map((name) => contractImport(name)) });
  }

  const typeNames = new Set<string>();
  for (const { contract, exportName } of versions) {
    const events = eventsTypeName(contract);
    const errors = errorsTypeName(contract);
    typeNames.add(events);
    typeNames.add(errors);

    body.push({
      kind: StructureKind.Interface,
      name: handlersTypeName(contract),
      isExported: true,
      docs: [`The handlers of ${contract.name} v${contract.version}: one function per method. Pass them to \`${implementName(contract)}()\`.`],
      properties: Object.entries(contract.methods).map(([method, m]) => {
        const t = methodTypeNames(contract, method);
        typeNames.add(t.parsedInput);
        typeNames.add(t.handlerOutput);
        const result = m.kind === 'stream' ? `AsyncIterable<${t.handlerOutput}>` : `Promise<${t.handlerOutput}> | ${t.handlerOutput}`;
        return {
          name: method,
          docs: m.summary ?? m.description ? [docText(m.summary ?? m.description ?? '')] : undefined,
          type: `(input: ${t.parsedInput}, ctx: HandlerContext<${events}>) => ${result}`,
        };
      }),
    });

    body.push({
      kind: StructureKind.Function,
      name: implementName(contract),
      isExported: true,
      docs: [`Binds handlers to the ${contract.name} v${contract.version} contract; the server serves the result.`],
      parameters: [{ name: 'handlers', type: handlersTypeName(contract) }],
      returnType: 'BoundService',
      statements: [`return bindService(${localContractName(exportName)}, handlers as unknown as Record<string, unknown>);`],
    });

    const codes = new Map<string, { description?: string; hasData: boolean }>();
    for (const method of Object.values(contract.methods)) {
      for (const [code, spec] of Object.entries(method.errors)) {
        const known = codes.get(code);
        codes.set(code, { description: known?.description ?? spec.description, hasData: (known?.hasData ?? false) || spec.data !== undefined });
      }
    }
    const lines = [...codes.keys()].sort().map((code) => {
      const { description, hasData } = codes.get(code)!;
      const type = `AccordError<'${code}', ${errors}['${code}']>`;
      const message = JSON.stringify(description ?? code);
      return hasData
        ? `  ${code}: (data: ${errors}['${code}'], message?: string): ${type} => new AccordError('${code}', message ?? ${message}, data),`
        : `  ${code}: (message?: string): ${type} => new AccordError('${code}', message ?? ${message}, undefined),`;
    });
    body.push([
      `/** Constructors of the errors ${contract.name} v${contract.version} declares: \`throw ${errorHelpersName(contract)}.CODE(data)\`. */`,
      `export const ${errorHelpersName(contract)} = {${lines.length ? `\n${lines.join('\n')}\n` : ''}} as const;`,
    ].join('\n'));
  }

  imports.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: './types.js', isTypeOnly: true, namedImports: [...typeNames].sort() });
  return printModule(project, path, imports, body);
}

/** Contracts exported as `default` are imported under a local name. */
function contractImport(exportName: string): string {
  return exportName === 'default' ? 'default as defaultContract' : exportName;
}

function localContractName(exportName: string): string {
  return exportName === 'default' ? 'defaultContract' : exportName;
}
