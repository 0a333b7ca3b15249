/**
 * `generated/index.ts`: `createClients(transport)` with one client per service (the bare name is
 * the latest version; `<name>V<N>` names every version of a service that has several), plus
 * re-exports of the client classes and types. Imports only client files: no zod.
 */
import { StructureKind, type Project, type StatementStructures } from 'ts-morph';
import type { ServiceContract } from '../runtime/contract/index.js';
import { clientClassName, errorDataTypeName, valuePrefix } from './naming.js';
import { importSpecifier } from './module-paths.js';
import { printStatements } from './source-printer.js';

export interface IndexFileInput {
  project: Project;
  path: string;
  /** Every service version, grouped by service name, versions ascending. */
  services: Map<string, ServiceContract[]>;
  /** Absolute path of each service's client.ts and types.ts, and the names types.ts exports. */
  files: Map<string, { client: string; types: string; typeNames: string[] }>;
  runtimeClient: string;
}

export function emitIndexFile({ project, path, services, files, runtimeClient }: IndexFileInput): string {
  const statements: StatementStructures[] = [];
  statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: runtimeClient, isTypeOnly: true, namedImports: ['ClientOptions', 'ClientTransport'] });

  const members: Array<{ key: string; className: string; shared?: string }> = [];
  for (const [name, versions] of services) {
    const latest = versions[versions.length - 1];
    statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: importSpecifier(path, files.get(name)!.client), namedImports: versions.map(clientClassName) });
    members.push({ key: name, className: clientClassName(latest), shared: versions.length > 1 ? valuePrefix(latest) : undefined });
    if (versions.length > 1) for (const v of versions) members.push({ key: valuePrefix(v), className: clientClassName(v) });
  }
  const keys = new Set<string>();
  for (const { key } of members) {
    if (keys.has(key)) throw new Error(`createClients would have two clients called '${key}'; rename one of the services`);
    keys.add(key);
  }
  members.sort((a, b) => (a.key < b.key ? -1 : 1));

  statements.push({
    kind: StructureKind.Interface,
    name: 'AccordClients',
    isExported: true,
    docs: ['One client per service: `<name>` is the latest version; `<name>V<N>` every version of a service that has several.'],
    properties: members.map(({ key, className }) => ({ name: key, type: className, isReadonly: true })),
  });
  statements.push({
    kind: StructureKind.Function,
    name: 'createClients',
    isExported: true,
    docs: ['Clients for every service, all over one transport.'],
    parameters: [{ name: 'transport', type: 'ClientTransport' }, { name: 'options', type: 'ClientOptions', hasQuestionToken: true }],
    returnType: 'AccordClients',
    statements: (writer) => {
      for (const { key, className, shared } of members) {
        if (!shared) writer.writeLine(`const ${key} = new ${className}(transport, options);`);
      }
      writer.write('return {').newLine();
      writer.indent(() => {
        for (const { key, shared } of members) writer.writeLine(shared ? `${key}: ${shared},` : `${key},`);
      });
      writer.write('};');
    },
  });

  const exportedTypes = new Set<string>();
  for (const [name, versions] of services) {
    const { client, types, typeNames } = files.get(name)!;
    statements.push({ kind: StructureKind.ExportDeclaration, moduleSpecifier: importSpecifier(path, client), namedExports: versions.map(clientClassName) });
    statements.push({ kind: StructureKind.ExportDeclaration, moduleSpecifier: importSpecifier(path, client), isTypeOnly: true, namedExports: versions.map(errorDataTypeName) });
    // A named schema used by two services is declared in both types files; export it once.
    const fresh = typeNames.filter((t) => !exportedTypes.has(t));
    fresh.forEach((t) => exportedTypes.add(t));
    if (fresh.length) statements.push({ kind: StructureKind.ExportDeclaration, moduleSpecifier: importSpecifier(path, types), isTypeOnly: true, namedExports: fresh });
  }
  return printStatements(project, path, statements);
}
