/**
 * Binds handler implementations to a contract. Generated `server.ts` files wrap this with the
 * service's typed handler interface; at run time it checks that every method has a function.
 */
import { ContractError, serviceKey, type ServiceContract } from '../contract/index.js';
import type { HandlerContext } from './context.js';

export type UnaryHandler = (input: unknown, ctx: HandlerContext) => unknown;
export type StreamHandler = (input: unknown, ctx: HandlerContext) => AsyncIterable<unknown>;
export type AnyHandler = UnaryHandler | StreamHandler;

/** A contract with its handlers: what a handler module exports and what the server serves. */
export interface BoundService {
  readonly kind: 'bound-service';
  readonly contract: ServiceContract;
  readonly handlers: Readonly<Record<string, AnyHandler>>;
}

export function bindService(contract: ServiceContract, handlers: Record<string, unknown>): BoundService {
  const key = serviceKey(contract);
  for (const name of Object.keys(contract.methods)) {
    if (typeof handlers[name] !== 'function') {
      throw new ContractError(`${contract.definedIn}: service '${key}': no handler for method '${name}'`);
    }
  }
  for (const name of Object.keys(handlers)) {
    if (!(name in contract.methods)) {
      throw new ContractError(`${contract.definedIn}: service '${key}': handler '${name}' matches no method of the contract`);
    }
  }
  return Object.freeze({ kind: 'bound-service', contract, handlers: { ...handlers } as Record<string, AnyHandler> });
}

export function isBoundService(value: unknown): value is BoundService {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'bound-service';
}

/** Every BoundService a handler module exports (default export or named). */
export function boundServicesOf(mod: Record<string, unknown>): BoundService[] {
  const found = new Set<BoundService>();
  for (const value of Object.values(mod)) {
    if (isBoundService(value)) found.add(value);
    else if (Array.isArray(value)) value.filter(isBoundService).forEach((b) => found.add(b));
  }
  return [...found];
}
