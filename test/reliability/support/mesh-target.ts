/**
 * A mesh node in its own process (target.ts) and the raw peers a test connects to it, speaking
 * the wire protocol by hand. Everything started here is closed by stop().
 */
import { RawPeer } from '../../mesh/harness.js';
import { MESH_KEY } from './mesh-cases.js';
import { Target, type TargetConfig } from './target.js';

export class MeshTarget {
  readonly #peers: RawPeer[] = [];

  private constructor(readonly target: Target) {}

  /** A node with the tests' mesh key and `options` (limits, timeouts) on top. */
  static async start(options: Omit<NonNullable<TargetConfig['mesh']>, 'key'> = {}): Promise<MeshTarget> {
    return new MeshTarget(await Target.start({ mesh: { key: MESH_KEY, heartbeatIntervalMs: 2_000, ...options } }));
  }

  get port(): number {
    return this.target.ready.meshPort!;
  }

  /** A raw TCP peer connected to the node, closed by stop(). */
  async connect(): Promise<RawPeer> {
    const peer = await RawPeer.connect(this.port);
    this.#peers.push(peer);
    return peer;
  }

  async stop(): Promise<void> {
    for (const peer of this.#peers) peer.close();
    await this.target.stop();
  }
}
