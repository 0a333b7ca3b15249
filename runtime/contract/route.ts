/** Parses a contract route such as `GET /users/{id}`. */
import type { HttpRoute, HttpVerb } from './types.js';

const VERBS: readonly HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function parseRoute(route: string): HttpRoute | string {
  const match = /^([A-Z]+)\s+(\/\S*)$/.exec(route.trim());
  if (!match) return `route '${route}' must look like 'GET /users/{id}'`;
  const verb = match[1] as HttpVerb;
  if (!VERBS.includes(verb)) return `route '${route}' uses ${match[1]}; use one of ${VERBS.join(', ')}`;
  const path = match[2];
  if (path.startsWith('/rpc/') || path === '/rpc') return `route '${route}' is under /rpc, which Accord reserves for RPC calls`;
  const params: string[] = [];
  for (const segment of path.split('/').slice(1)) {
    const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
    if (param) {
      if (params.includes(param[1])) return `route '${route}' repeats the path parameter '${param[1]}'`;
      params.push(param[1]);
    } else if (/[{}]/.test(segment)) {
      return `route '${route}' has a malformed segment '${segment}'; a parameter is a whole segment like {id}`;
    }
  }
  return { verb, path, params };
}
