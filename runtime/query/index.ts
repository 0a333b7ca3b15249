/**
 * `accord-rpc/query`: TanStack Query (v5) options for the generated clients, framework-agnostic
 * (React, Vue, Solid and Svelte adapters take the same options; no React here).
 *
 *   const users = serviceQueries(api.users);
 *   useQuery(users.list.queryOptions({ limit: 20 }));
 *   useMutation({ ...users.create.mutationOptions(), onSuccess: () => queryClient.invalidateQueries({ queryKey: users.list.key() }) });
 *   useQuery(serviceQueries(api.ticker).watch.streamedOptions({ symbol: 'ACME' }));   // data: the items so far
 *
 * Keys are `[service, version, method, input]`; `users.$key()` and `users.list.key()` are the
 * prefixes that invalidate a whole service or method.
 */
export { retryTransient, serviceQueries } from './service-queries.js';
export type {
  AccordMutationOptions,
  AccordQueryOptions,
  InputKey,
  MethodKey,
  QueryCallOptions,
  RetryDecision,
  ServiceKey,
  ServiceQueries,
  StreamMethodQueries,
  StreamQueryOptions,
  TaggedKey,
  UnaryMethodQueries,
} from './types.js';
