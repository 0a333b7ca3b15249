/**
 * The types of the TanStack Query integration, read off a generated client's interface with
 * mapped types (no codegen): for each method, its input is the first parameter and its output the
 * awaited result (or the stream's item type). Only type imports from @tanstack/query-core: React,
 * Vue, Solid and Svelte adapters all take these options.
 */
import type { DataTag, QueryFunction } from '@tanstack/query-core';
import type { CallOptions } from '../core/client-transport.js';
import type { AccordError } from '../core/errors.js';

/** Accord's own options for the calls a query or mutation makes (TanStack Query passes the AbortSignal). */
export type QueryCallOptions = Pick<CallOptions, 'timeoutMs' | 'metadata'>;

/** How a streamed query treats a refetch (TanStack Query's `streamedQuery`): start over, append, or swap at the end. */
export interface StreamQueryOptions extends QueryCallOptions {
  refetchMode?: 'reset' | 'append' | 'replace';
}

/** `[service, version]`: the prefix of every key of one service (invalidate them all with it). */
export type ServiceKey = readonly [service: string, version: number];
/** `[service, version, method]`: the prefix of every key of one method, and its mutation key. */
export type MethodKey = readonly [service: string, version: number, method: string];
/** `[service, version, method, input]`: one query. An omitted input is `{}`, as the client sends it. */
export type InputKey<I> = readonly [service: string, version: number, method: string, input: I];

/** A query key that carries its data and error types, so `queryClient.getQueryData(key)` is typed. */
export type TaggedKey<I, O> = DataTag<InputKey<I>, O, AccordError>;

/** TanStack Query's retry decision, typed with Accord's error: also how adapters infer `error` as AccordError. */
export type RetryDecision = (failureCount: number, error: AccordError) => boolean;

export interface AccordQueryOptions<I, O> {
  queryKey: TaggedKey<I, O>;
  queryFn: QueryFunction<O, TaggedKey<I, O>>;
  retry: RetryDecision;
}

export interface AccordMutationOptions<I, O> {
  mutationKey: MethodKey;
  mutationFn: (input: I) => Promise<O>;
  /** Left unset: mutations are not retried (they may not be idempotent). Declared so `error` is typed AccordError. */
  retry?: RetryDecision | boolean | number;
}

/** The input arguments of a method: `[input]`, or `[input?]` when every field is optional. */
type InputArgs<F> = F extends (...args: infer A) => unknown
  ? A extends [infer I, ...unknown[]]
    ? [input: I]
    : A extends [(infer I)?, ...unknown[]]
      ? [input?: I]
      : []
  : never;

type InputOf<F> = F extends (...args: infer A) => unknown ? Exclude<A[0], undefined> : never;

/** Queries and mutations of one unary method. */
export interface UnaryMethodQueries<F, I = InputOf<F>, O = F extends (...args: never[]) => Promise<infer R> ? R : never> {
  /** `[service, version, method]`: invalidates every query of this method, whatever its input. */
  key(): MethodKey;
  /** The key of the query for this input (stable across the input's key order: TanStack hashes objects sorted). */
  queryKey(...args: InputArgs<F>): TaggedKey<I, O>;
  /** `{ queryKey, queryFn, retry }` for useQuery, queryClient.fetchQuery, prefetchQuery... */
  queryOptions(...args: [...InputArgs<F>, options?: QueryCallOptions]): AccordQueryOptions<I, O>;
  /** `{ mutationKey, mutationFn }` for useMutation; `mutate(input)` calls the method. */
  mutationOptions(options?: QueryCallOptions): AccordMutationOptions<I, O>;
}

/** A server stream as a streamed query: `data` is the items so far, in order. */
export interface StreamMethodQueries<F, I = InputOf<F>, T = F extends (...args: never[]) => AsyncIterable<infer R> ? R : never> {
  key(): MethodKey;
  queryKey(...args: InputArgs<F>): TaggedKey<I, T[]>;
  /** `{ queryKey, queryFn, retry }`: the query succeeds with the first item and keeps fetching until the stream ends. */
  streamedOptions(...args: [...InputArgs<F>, options?: StreamQueryOptions]): AccordQueryOptions<I, T[]>;
}

type MethodQueries<F> = F extends (...args: never[]) => Promise<unknown>
  ? UnaryMethodQueries<F>
  : F extends (...args: never[]) => AsyncIterable<unknown>
    ? StreamMethodQueries<F>
    : never;

/** The contract's methods of a generated client: its members that return a promise or a stream (not `on`, `isError`). */
type MethodNames<C> = {
  [K in keyof C & string]: C[K] extends (...args: never[]) => Promise<unknown> | AsyncIterable<unknown> ? K : never;
}[keyof C & string];

/**
 * Query and mutation options for every method of a generated client. `$key()` is the service's
 * prefix: `$` because no contract method can start with it, so it never hides a method.
 */
export type ServiceQueries<C> = { readonly [K in MethodNames<C>]: MethodQueries<C[K]> } & {
  /** `[service, version]`: invalidates every query of this service. */
  $key(): ServiceKey;
};
