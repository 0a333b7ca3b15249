/**
 * The names of the NATS headers Accord's NATS transport reads and writes (docs/nats.md). Apart from
 * wire.ts, which builds header maps with nats.js, so that the code generator can name them in the
 * AsyncAPI document without loading nats.js.
 */
export const HEADERS = {
  /** `application/msgpack` or `application/json`; absent means JSON. */
  contentType: 'content-type',
  /** On a stream request: the liveness interval the caller wants (ms); the server pings at it and expects as much. */
  heartbeat: 'accord-heartbeat',
  /** On a request: call it as a server stream, with this initial credit. */
  stream: 'accord-stream',
  /** What a message is, when it is not a unary result: item, end, ping, credit, cancel (and bye, on `_announce`). */
  frame: 'accord-frame',
  /** Position of a stream item (or end) in its stream, from 0: a gap means messages were lost. */
  seq: 'accord-seq',
  /** Where the caller sends control frames (credit, cancel, ping) for this call. */
  control: 'accord-control',
  /** On a control frame: the reply subject of the call it is about. */
  call: 'accord-call',
  /** On a credit frame: how many more items the caller takes. */
  credit: 'accord-credit',
  /** On an event: the node id of the process that emitted it. */
  origin: 'accord-origin',
  serviceError: 'Nats-Service-Error',
  serviceErrorCode: 'Nats-Service-Error-Code',
} as const;
