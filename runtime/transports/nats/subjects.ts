/**
 * The NATS subject scheme (docs/nats.md). Contract names are camelCase identifiers, so they are
 * always valid subject tokens; Accord's own subjects start with `_` to stay clear of them.
 *
 *   <prefix>.<service>.v<N>.<method>        a call to version N           (queue group)
 *   <prefix>.<service>.latest.<method>      a call to the highest version the answering process serves
 *   <prefix>.<service>.v<N>.event.<event>   events                        (plain pub/sub)
 *   <prefix>._cancel                        cancel a call whose server is not known yet (every server listens)
 *   <prefix>._probe                         "who runs these calls?": the servers running them ping their callers
 *   <prefix>._announce                      a server that started publishes its $SRV.INFO documents here
 */

/** Default subject prefix. */
export const DEFAULT_PREFIX = 'accord';
/** Default queue group of every call subject. */
export const DEFAULT_QUEUE = 'accord';

const TOKEN = /^[A-Za-z0-9_-]+$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Throws naming `field` when `prefix` is not one or more dot-separated subject tokens. */
export function checkPrefix(prefix: unknown, field: string): string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(`${field} must be one or more subject tokens (letters, digits, '_', '-') joined by '.', got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

/** Throws naming `field` when `name` is not one subject token (queue groups, micro names). */
export function checkToken(name: unknown, field: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(`${field} must be one subject token (letters, digits, '_', '-'), got ${JSON.stringify(name)}`);
  }
  return name;
}

export class Subjects {
  constructor(readonly prefix: string) {}

  method(service: string, version: number, method: string): string {
    return `${this.prefix}.${service}.v${version}.${method}`;
  }

  latest(service: string, method: string): string {
    return `${this.prefix}.${service}.latest.${method}`;
  }

  event(service: string, version: number, event: string): string {
    return `${this.prefix}.${service}.v${version}.event.${event}`;
  }

  /** Every event of one service version (a server relays these into its local bus). */
  events(service: string, version: number): string {
    return `${this.prefix}.${service}.v${version}.event.*`;
  }

  get cancel(): string {
    return `${this.prefix}._cancel`;
  }

  get probe(): string {
    return `${this.prefix}._probe`;
  }

  get announce(): string {
    return `${this.prefix}._announce`;
  }

  /** The event name of an event subject, or undefined when `subject` is not one. */
  eventName(subject: string): string | undefined {
    const at = subject.lastIndexOf('.event.');
    return at < 0 ? undefined : subject.slice(at + 7);
  }
}
