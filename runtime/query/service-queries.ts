/**
 * `serviceQueries(client)`: TanStack Query options for every method of a generated client, built
 * from the client's method table. Queries pass TanStack's AbortSignal as the call's `signal`, so
 * a query that goes unused (its component unmounted) or is cancelled stops the call, and the
 * handler sees `ctx.signal` abort. Errors are the client's AccordErrors, untouched, so the
 * generated `isError(error, 'CODE')` narrows them.
 */
import { experimental_streamedQuery as streamedQuery, type QueryFunctionContext } from '@tanstack/query-core';
import { ServiceClient } from '../client/service-client.js';
import type { CallOptions } from '../core/client-transport.js';
import { AccordError } from '../core/errors.js';
import type { AccordMutationOptions, AccordQueryOptions, MethodKey, QueryCallOptions, ServiceQueries, StreamQueryOptions, TaggedKey } from './types.js';

type Call = (input: unknown, options?: CallOptions) => unknown;

/** Errors another attempt may get past; a contract's typed errors (NOT_FOUND, INVALID_ARGUMENT...) show at once instead. */
const TRANSIENT = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED']);

/** TanStack's default of 3 retries, for transient errors only. */
export function retryTransient(failureCount: number, error: AccordError): boolean {
  return failureCount < 3 && error instanceof AccordError && TRANSIENT.has(error.code);
}

export function serviceQueries<C extends ServiceClient>(client: C): ServiceQueries<C> {
  const { service, version, methods } = ServiceClient.infoOf(client);
  const queries: Record<string, unknown> = { $key: () => [service, version] };
  for (const [method, info] of Object.entries(methods)) {
    const key: MethodKey = [service, version, method];
    const call = (client as unknown as Record<string, Call>)[method].bind(client);
    queries[method] = info.kind === 'stream' ? streamQueries(key, call) : unaryQueries(key, call);
  }
  return queries as ServiceQueries<C>;
}

/** The key of one query; an omitted input is `{}`, as the client sends it. */
function inputKey(key: MethodKey, input: unknown): TaggedKey<unknown, unknown> {
  return [...key, input ?? {}] as unknown as TaggedKey<unknown, unknown>;
}

function unaryQueries(key: MethodKey, call: Call) {
  return {
    key: () => key,
    queryKey: (input?: unknown) => inputKey(key, input),
    queryOptions: (input?: unknown, options?: QueryCallOptions): AccordQueryOptions<unknown, unknown> => ({
      queryKey: inputKey(key, input),
      // Reading `signal` tells TanStack the call can be aborted: an unused query is then cancelled, not left running.
      queryFn: ({ signal }) => call(input, { ...options, signal }) as Promise<unknown>,
      retry: retryTransient,
    }),
    mutationOptions: (options?: QueryCallOptions): AccordMutationOptions<unknown, unknown> => ({
      mutationKey: key,
      mutationFn: (input) => call(input, options) as Promise<unknown>,
    }),
  };
}

function streamQueries(key: MethodKey, call: Call) {
  return {
    key: () => key,
    queryKey: (input?: unknown) => inputKey(key, input),
    streamedOptions: (input?: unknown, options: StreamQueryOptions = {}): AccordQueryOptions<unknown, unknown[]> => {
      const { refetchMode, ...callOptions } = options;
      return {
        queryKey: inputKey(key, input) as TaggedKey<unknown, unknown[]>,
        queryFn: streamedQuery({
          streamFn: ({ signal }: QueryFunctionContext) => call(input, { ...callOptions, signal }) as AsyncIterable<unknown>,
          refetchMode,
        }),
        retry: retryTransient,
      };
    },
  };
}
