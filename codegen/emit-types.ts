/**
 * `generated/<service>/types.ts`: plain TypeScript declarations for every version of one service.
 * No zod import: clients that use these type-check fast and never load zod.
 */
import { hasTransforms } from '../runtime/contract/index.js';
import type { ServiceContract } from '../runtime/contract/index.js';
import { errorsTypeName, eventsTypeName, methodTypeNames } from './naming.js';
import { TypeEmitter, docComment, nested, propertyKey } from './ts-type-emitter.js';

/** The declarations text (without header) and the exported type names, for index.ts. */
export interface EmittedTypes {
  text: string;
  exportedNames: string[];
}

export function emitServiceTypes(versions: ServiceContract[]): EmittedTypes {
  const emitter = new TypeEmitter();
  const sections: string[] = [];
  const names: string[] = [];
  const declare = (name: string, text: string): void => {
    names.push(name);
    sections.push(text);
  };

  for (const service of versions) {
    const where = `service '${service.name}' v${service.version}`;
    sections.push(`// ${service.name} v${service.version}${service.description ? `: ${service.description.split('\n')[0]}` : ''}`);
    const serviceErrors = new Map<string, Set<string>>();

    for (const [method, contract] of Object.entries(service.methods)) {
      const t = methodTypeNames(service, method);
      const at = `${where} method '${method}'`;
      const doc = contract.summary ?? contract.description;
      const what = contract.kind === 'stream' ? 'one streamed item' : 'the result';
      declare(t.input, emitter.declaration(t.input, contract.input, 'input', `${service.name}.${method}: what the caller sends.${doc ? ` ${doc}` : ''}`));
      declare(
        t.parsedInput,
        hasTransforms(contract.input)
          ? emitter.declaration(t.parsedInput, contract.input, 'output', `${service.name}.${method}: the input as the handler receives it (defaults and transforms applied).`)
          : `export type ${t.parsedInput} = ${t.input};`,
      );
      declare(t.output, emitter.declaration(t.output, contract.output, 'output', `${service.name}.${method}: ${what}, as the caller receives it.`));
      declare(
        t.handlerOutput,
        hasTransforms(contract.output)
          ? emitter.declaration(t.handlerOutput, contract.output, 'input', `${service.name}.${method}: ${what}, as the handler returns it.`)
          : `export type ${t.handlerOutput} = ${t.output};`,
      );
      const errorLines = Object.keys(contract.errors).sort().map((code) => {
        const spec = contract.errors[code];
        const data = spec.data ? emitter.typeOf(spec.data, 'output', `${at} errors.${code}.data`) : 'undefined';
        if (!serviceErrors.has(code)) serviceErrors.set(code, new Set());
        serviceErrors.get(code)!.add(data);
        return `${docComment(spec.description, '  ')}  ${code}: ${nested(data)};`;
      });
      declare(t.errors, `/** ${service.name}.${method}: declared error codes and the data each carries. */\nexport interface ${t.errors} ${body(errorLines)}`);
    }

    const events = Object.entries(service.events).map(([name, ev]) =>
      `${docComment(ev.description, '  ')}  ${propertyKey(name)}: ${nested(emitter.typeOf(ev.data, 'output', `${where} event '${name}'`))};`,
    );
    // A type alias, not an interface: HandlerContext<Events> needs an implicit index signature.
    declare(eventsTypeName(service), `/** Events of ${service.name} v${service.version}: name → data. */\nexport type ${eventsTypeName(service)} = ${body(events)};`);

    const errors = [...serviceErrors.keys()].sort().map((code) => {
      const members = [...serviceErrors.get(code)!];
      return `  ${code}: ${nested(members.length === 1 ? members[0] : members.map((m) => `(${m})`).join(' | '))};`;
    });
    declare(
      errorsTypeName(service),
      `/** Every error code the methods of ${service.name} v${service.version} declare, and its data. */\nexport interface ${errorsTypeName(service)} ${body(errors)}`,
    );
  }

  const named = emitter.declarations();
  const methodNames = new Set(names);
  for (const { name } of named) {
    if (methodNames.has(name)) throw new Error(`the schema id '${name}' clashes with a generated type name; rename it in .meta({ id })`);
  }
  const text = [...(named.length ? ['// Named schemas (.meta({ id }))', ...named.map((d) => d.text)] : []), ...sections].join('\n\n') + '\n';
  return { text, exportedNames: [...named.map((d) => d.name), ...names] };
}

function body(lines: string[]): string {
  return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n}`;
}
