/**
 * `generated/<service>/client.ts`: per version a client class over any ClientTransport, with one
 * typed method per contract method, typed events and a typed `isError`. Imports only ./types.js
 * and runtime/client, so a browser bundle of it carries no zod.
 */
import { StructureKind, type Project, type StatementStructures } from 'ts-morph';
import { bytesPaths, objectShape } from '../runtime/contract/index.js';
import type { MethodContract, ServiceContract } from '../runtime/contract/index.js';
import { clientClassName, errorDataTypeName, errorsTypeName, eventsTypeName, methodTypeNames } from './naming.js';
import { printModule } from './source-printer.js';
import { docText, isOptionalOn } from './ts-type-emitter.js';

export interface ClientFileInput {
  project: Project;
  path: string;
  versions: ServiceContract[];
  /** The runtime client's module specifier (`accord-rpc/client`). */
  runtimeClient: string;
}

export function emitClientFile({ project, path, versions, runtimeClient }: ClientFileInput): string {
  const body: Array<string | StatementStructures> = [];
  const runtime = runtimeClient;
  // reviveBytes only where a service has bytes() fields: other clients' bundles do without it.
  const revives = versions.some((service) => bytesInfo(service).length > 0);
  const imports: StatementStructures[] = [{ kind: StructureKind.ImportDeclaration, moduleSpecifier: runtime, namedImports: revives ? ['reviveBytes', 'ServiceClient'] : ['ServiceClient'] }];
  imports.push({
    kind: StructureKind.ImportDeclaration,
    moduleSpecifier: runtime,
    isTypeOnly: true,
    namedImports: ['AccordError', 'CallOptions', 'ClientOptions', 'ClientTransport', 'FrameworkErrorCode', 'ValidationIssue'],
  });
  const typeNames = new Set<string>();

  for (const service of versions) {
    const events = eventsTypeName(service);
    const errors = errorsTypeName(service);
    const errorData = errorDataTypeName(service);
    typeNames.add(events);
    typeNames.add(errors);

    body.push({
      kind: StructureKind.TypeAlias,
      name: errorData,
      isExported: true,
      docs: [`The \`data\` an error with code C carries when ${service.name} v${service.version} sends it.`],
      typeParameters: [{ name: 'C', constraint: 'string' }],
      type: `C extends keyof ${errors} ? ${errors}[C] : C extends 'INVALID_ARGUMENT' ? { issues: ValidationIssue[] } : unknown`,
    });

    const methods = Object.entries(service.methods);
    const info = [
      '{',
      `  service: '${service.name}',`,
      `  version: ${service.version},`,
      '  methods: {',
      ...methods.map(([name, m]) => `    ${name}: { kind: '${m.kind}', idempotent: ${m.idempotent} },`),
      '  },',
      ...bytesInfo(service),
      '}',
    ].join('\n');

    const className = clientClassName(service);
    const doc = [docText(`Client of ${service.name} v${service.version}${service.description ? `: ${service.description}` : ''}`)];
    // Signatures in an interface merged with the class: ServiceClient installs the methods from the
    // table passed to super(), so a frontend's tsc checks declarations, not 3,000 method bodies.
    body.push({
      kind: StructureKind.Interface,
      name: className,
      isExported: true,
      docs: doc,
      methods: [
        ...methods.map(([name, m]) => {
          const t = methodTypeNames(service, name);
          typeNames.add(t.input);
          typeNames.add(t.output);
          return {
            name,
            docs: methodDocs(m),
            parameters: [
              { name: 'input', type: t.input, hasQuestionToken: inputMayBeOmitted(m) },
              { name: 'options', type: 'CallOptions', hasQuestionToken: true },
            ],
            returnType: m.kind === 'stream' ? `AsyncIterable<${t.output}>` : `Promise<${t.output}>`,
          };
        }),
        {
          name: 'on',
          docs: [`Subscribes to an event of ${service.name} v${service.version}; returns the function that unsubscribes.`],
          typeParameters: [{ name: 'E', constraint: `keyof ${events} & string` }],
          parameters: [{ name: 'event', type: 'E' }, { name: 'listener', type: `(data: ${events}[E]) => void` }],
          returnType: '() => void',
        },
        {
          name: 'isError',
          docs: ['Whether `error` is an AccordError with `code` (a declared or a framework code); narrows `error.data`.'],
          typeParameters: [{ name: 'C', constraint: `(keyof ${errors} & string) | FrameworkErrorCode` }],
          parameters: [{ name: 'error', type: 'unknown' }, { name: 'code', type: 'C' }],
          returnType: `error is AccordError<C, ${errorData}<C>>`,
        },
      ],
    });
    body.push({
      kind: StructureKind.Class,
      name: className,
      isExported: true,
      extends: 'ServiceClient',
      docs: doc,
      ctors: [{
        parameters: [{ name: 'transport', type: 'ClientTransport' }, { name: 'options', type: 'ClientOptions', hasQuestionToken: true }],
        statements: [`super(transport, ${info}, options);`],
      }],
    });
  }

  imports.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: './types.js', isTypeOnly: true, namedImports: [...typeNames].sort() });
  return printModule(project, path, imports, body);
}

function methodDocs(m: MethodContract): string[] | undefined {
  const lines = [m.summary, m.description].filter((l): l is string => !!l);
  if (m.deprecated) lines.push('@deprecated');
  return lines.length ? [docText(lines.join('\n\n'))] : undefined;
}

/** An object input whose every field is optional for the caller: `client.list()` needs no argument. */
function inputMayBeOmitted(m: MethodContract): boolean {
  const shape = objectShape(m.input);
  if (!shape || m.input._zod.def.type !== 'object') return false;
  return Object.values(shape).every((field) => isOptionalOn(field, 'input'));
}

/** `bytes: {...}` lines for ServiceInfo when outputs or events hold bytes() fields (none otherwise). */
function bytesInfo(service: ServiceContract): string[] {
  const render = (entries: Array<[string, string[][]]>) =>
    entries.filter(([, paths]) => paths.length > 0).map(([name, paths]) => `      ${name}: ${JSON.stringify(paths).replace(/"/g, "'")},`);
  const outputs = render(Object.entries(service.methods).map(([name, m]) => [name, bytesPaths(m.output).map((p) => [...p])]));
  const events = render(Object.entries(service.events).map(([name, e]) => [name, bytesPaths(e.data).map((p) => [...p])]));
  if (outputs.length === 0 && events.length === 0) return [];
  return [
    '  bytes: {',
    '    revive: reviveBytes,',
    ...(outputs.length ? ['    outputs: {', ...outputs, '    },'] : []),
    ...(events.length ? ['    events: {', ...events, '    },'] : []),
    '  },',
  ];
}
