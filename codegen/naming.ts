/**
 * Names of everything gen writes, in one place so types, server, client, index and docs agree.
 *   type prefix   UsersV2            (service + version)
 *   method types  UsersV2GetInput, UsersV2GetParsedInput, UsersV2GetOutput, UsersV2GetHandlerOutput, UsersV2GetErrors
 *   service types UsersV2Events, UsersV2Errors, UsersV2ErrorData<C>
 *   server        UsersV2Handlers, implementUsersV2(), usersV2Errors
 *   client        UsersV2Client
 */
import type { ServiceContract } from '../runtime/contract/index.js';

export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

type Versioned = Pick<ServiceContract, 'name' | 'version'>;

/** `UsersV2`: the prefix of every generated name of one service version. */
export function typePrefix(service: Versioned): string {
  return `${pascal(service.name)}V${service.version}`;
}

/** `usersV2`: the camelCase form, for values (error helpers, client keys). */
export function valuePrefix(service: Versioned): string {
  return `${service.name}V${service.version}`;
}

export interface MethodTypeNames {
  /** What a caller writes (zod input side). */
  input: string;
  /** What the handler receives after parsing (zod output side of the input schema). */
  parsedInput: string;
  /** What the caller receives (for a stream: one item). */
  output: string;
  /** What the handler returns or yields (zod input side of the output schema). */
  handlerOutput: string;
  /** The method's declared errors: code → data. */
  errors: string;
}

export function methodTypeNames(service: Versioned, method: string): MethodTypeNames {
  const base = `${typePrefix(service)}${pascal(method)}`;
  return {
    input: `${base}Input`,
    parsedInput: `${base}ParsedInput`,
    output: `${base}Output`,
    handlerOutput: `${base}HandlerOutput`,
    errors: `${base}Errors`,
  };
}

export const eventsTypeName = (s: Versioned): string => `${typePrefix(s)}Events`;
export const errorsTypeName = (s: Versioned): string => `${typePrefix(s)}Errors`;
export const errorDataTypeName = (s: Versioned): string => `${typePrefix(s)}ErrorData`;
export const handlersTypeName = (s: Versioned): string => `${typePrefix(s)}Handlers`;
export const implementName = (s: Versioned): string => `implement${typePrefix(s)}`;
export const errorHelpersName = (s: Versioned): string => `${valuePrefix(s)}Errors`;
export const clientClassName = (s: Versioned): string => `${typePrefix(s)}Client`;
