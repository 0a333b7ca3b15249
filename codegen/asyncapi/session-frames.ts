/**
 * A server stream in session frames (runtime/link: docs/ws-protocol.md), as WebSocket and the mesh
 * both carry them: the `x-accord-ws` and `x-accord-mesh` templates of a stream operation.
 */
import type { AsyncTarget } from './transport-binding.js';

export function streamFrames({ service, name }: AsyncTarget): Record<string, unknown> {
  const id = 1;
  return {
    call: { type: 'call', id, service: service.name, version: service.version, method: name, input: '<call payload>', stream: true, credit: 16 },
    item: { type: 'item', id, output: '<item payload>' },
    credit: { type: 'credit', id, credit: 8 },
    end: { type: 'end', id },
    error: { type: 'error', id, error: '<AccordError payload>' },
    cancel: { type: 'cancel', id },
  };
}
