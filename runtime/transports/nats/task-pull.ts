/**
 * Pulls one durable consumer with a bound on the messages being handled at once: it fetches only
 * as many as it has room for, hands each to `handle`, and fetches again. Errors (NATS gone, the
 * consumer deleted) are logged and retried with backoff; before each retry `prepare` runs again,
 * so a deleted consumer or stream is created anew. nats.js's `consume()` would keep pulling while
 * handlers still run, which is why this loop fetches.
 */
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { backoffDelay, sleep } from '../../core/backoff.js';
import type { Logger } from '../../core/logger.js';

export interface PullSettings {
  /** Names the consumer in logs. */
  name: string;
  /** Messages handled at once. */
  concurrency: number;
  /** Creates the consumer if needed and returns it (again after every error). */
  prepare(): Promise<Consumer>;
  /** Handles one message; settles when the message is acked, naked or termed. */
  handle(msg: JsMsg): Promise<void>;
  logger: () => Logger;
}

/** How long one fetch waits on the server for messages (nats.js's minimum is 1 s). */
const FETCH_EXPIRES_MS = 10_000;

export class PullLoop {
  readonly #settings: PullSettings;
  readonly #handling = new Set<Promise<void>>();
  #batch: ConsumerMessages | undefined;
  #stopped = false;
  /** Ends a wait between retries when the loop stops. */
  readonly #stopping = new AbortController();
  #roomFreed: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(settings: PullSettings) {
    this.#settings = settings;
    this.#done = this.#loop();
  }

  /** Messages being handled now. */
  get handling(): number {
    return this.#handling.size;
  }

  /** Stops fetching (messages still handled go on); resolves when the loop has ended. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    void this.#batch?.close();
    this.#roomFreed?.();
    return this.#done;
  }

  /** Ends the pull under way so a new one starts now: after a reconnect the server has forgotten the old one. */
  renew(): void {
    void this.#batch?.close();
  }

  /** Resolves when every message being handled has settled, or after `ms`. */
  async idle(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.#handling.size > 0 && Date.now() < until) {
      await Promise.race([Promise.allSettled([...this.#handling]), sleep(until - Date.now())]);
    }
  }

  async #loop(): Promise<void> {
    const s = this.#settings;
    let consumer: Consumer | undefined;
    let failures = 0;
    while (!this.#stopped) {
      const room = s.concurrency - this.#handling.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.#roomFreed = resolve));
        continue;
      }
      try {
        consumer ??= await s.prepare();
        if (this.#stopped) break;
        this.#batch = await consumer.fetch({ max_messages: room, expires: FETCH_EXPIRES_MS });
        for await (const msg of this.#batch) {
          // Fetched after stop() (still on its way): hand it back at once, to whichever process is there.
          if (this.#stopped) msg.nak();
          else this.#start(msg);
        }
        failures = 0;
      } catch (error) {
        if (this.#stopped) break;
        consumer = undefined;
        const waitMs = backoffDelay(failures++, { initialMs: 250, maxMs: 10_000 });
        s.logger()[failures === 1 ? 'warn' : 'debug']({ consumer: s.name, err: error, retryInMs: waitMs }, 'tasks: pulling runs from JetStream failed; retrying');
        await sleep(waitMs, this.#stopping.signal).catch(() => undefined);
      } finally {
        this.#batch = undefined;
      }
    }
  }

  #start(msg: JsMsg): void {
    const handling = this.#settings.handle(msg).catch((error: unknown) => {
      this.#settings.logger().error({ consumer: this.#settings.name, err: error }, 'tasks: a run could not be handled');
    }).finally(() => {
      this.#handling.delete(handling);
      this.#roomFreed?.();
      this.#roomFreed = undefined;
    });
    this.#handling.add(handling);
  }
}
