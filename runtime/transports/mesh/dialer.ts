/**
 * Keeps this node dialing the peers it should have a link to: the configured seeds (always, a
 * restarted seed comes back at the same address) and nodes learnt from gossip (while their record
 * is live). Every failed attempt, and every lost link, waits an exponential backoff
 * (core/backoff.ts) with "equal jitter": half the attempt's ceiling plus a random part of the
 * other half. The random part keeps nodes that lost the same peer from redialing it in lockstep;
 * the fixed half makes every wait at least as long as the previous one could have been, so a dead
 * peer is dialed less and less often (full jitter may pick a near-zero wait at any attempt).
 * A seed that turns out to be this node's own address is never dialed again.
 */
import { backoffDelay, type BackoffOptions } from '../../core/backoff.js';
import { AccordError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { SELF_DIAL } from './handshake.js';

/** Random in [0.5, 1): backoffDelay scales it by the ceiling (equal jitter, see above). */
const equalJitter = (): number => 0.5 + Math.random() / 2;

export interface DialTarget {
  readonly addr: string;
  readonly seed: boolean;
  /** The node found at the address, once a handshake with it succeeded. */
  node: string | undefined;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  dialing: boolean;
  self: boolean;
  /** Why the last attempt failed (cleared when one succeeds). */
  lastError: AccordError | undefined;
}

export interface DialerHooks {
  /** Dials and authenticates; resolves with the peer's node id once the link is open. */
  connect(target: DialTarget): Promise<string>;
  /** Whether the target is still worth a link now (not linked already, not gone, under the peer limit). */
  wanted(target: DialTarget): boolean;
}

export class Dialer {
  readonly #targets = new Map<string, DialTarget>();
  readonly #hooks: DialerHooks;
  readonly #backoff: BackoffOptions;
  readonly #logger: Logger;
  #stopped = false;

  constructor(hooks: DialerHooks, backoff: BackoffOptions, logger: Logger) {
    this.#hooks = hooks;
    this.#backoff = backoff;
    this.#logger = logger;
  }

  targets(): IterableIterator<DialTarget> {
    return this.#targets.values();
  }

  /** Dials a seed now; resolves once this first attempt has succeeded or failed. */
  seed(addr: string): Promise<void> {
    const target = this.#target(addr, true);
    return this.#dial(target);
  }

  /** A node learnt from gossip: dial it after a short random delay (the other side may dial first). */
  discovered(addr: string, node: string): void {
    const target = this.#target(addr, false);
    target.node ??= node;
    this.#schedule(target, 50 + Math.random() * 250);
  }

  /** Links or records changed: retry what is wanted and idle. */
  kick(): void {
    for (const target of this.#targets.values()) this.#schedule(target, this.#delay(target.attempt));
  }

  stop(): void {
    this.#stopped = true;
    for (const target of this.#targets.values()) clearTimeout(target.timer);
  }

  #target(addr: string, seed: boolean): DialTarget {
    let target = this.#targets.get(addr);
    if (!target) {
      target = { addr, seed, node: undefined, attempt: 0, timer: undefined, dialing: false, self: false, lastError: undefined };
      this.#targets.set(addr, target);
    }
    return target;
  }

  #schedule(target: DialTarget, delay: number): void {
    if (this.#stopped || target.self || target.dialing || target.timer !== undefined || !this.#hooks.wanted(target)) return;
    target.timer = setTimeout(() => {
      target.timer = undefined;
      if (!this.#stopped && this.#hooks.wanted(target)) void this.#dial(target);
    }, delay);
    target.timer.unref?.();
  }

  async #dial(target: DialTarget): Promise<void> {
    if (this.#stopped || target.dialing || target.self) return;
    target.dialing = true;
    try {
      target.node = await this.#hooks.connect(target);
      target.attempt = 0;
      target.dialing = false;
      target.lastError = undefined;
    } catch (error) {
      target.dialing = false;
      const reason = error instanceof AccordError ? error : new AccordError('UNAVAILABLE', String(error));
      target.lastError = reason;
      if ((reason.data as { reason?: string } | undefined)?.reason === SELF_DIAL) {
        target.self = true;
        this.#logger.debug({ addr: target.addr }, 'mesh seed is this node itself; not dialing it');
        return;
      }
      // The first failure of a streak is worth a warning; the retries that follow are not.
      const log = target.attempt === 0 || reason.code === 'UNAUTHENTICATED' ? this.#logger.warn : this.#logger.debug;
      log.call(this.#logger, { addr: target.addr, code: reason.code, attempt: target.attempt + 1 }, `mesh dial failed: ${reason.message}`);
      this.#schedule(target, this.#delay(target.attempt++));
    }
  }

  #delay(attempt: number): number {
    return backoffDelay(attempt, this.#backoff, equalJitter);
  }
}
