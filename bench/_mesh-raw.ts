/**
 * The raw baseline of `npm run bench -- mesh`: a bare TCP server answering length-prefixed
 * MessagePack `{id, a, b}` with `{id, sum}`, either one message per call each way, or (`batched`)
 * the messages of one event-loop turn as one array in one write each way, as Accord's session
 * layer does.
 */
import { createServer } from 'node:net';
import { msgpackCodec } from 'accord-rpc/core';
import { lengthPrefixed, LengthPrefixReader } from 'accord-rpc/link';

type Request = { id: number; a: number; b: number };

/** Starts the server; returns its port and a stop function. */
export async function rawAddServer(batched: boolean): Promise<{ port: number; close: () => void }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const reader = new LengthPrefixReader();
    let replies: Array<{ id: number; sum: number }> = [];
    const flush = () => {
      socket.write(lengthPrefixed(msgpackCodec.encode(replies)));
      replies = [];
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) {
        const decoded = msgpackCodec.decode(message) as Request | Request[];
        if (!batched) {
          const { id, a, b } = decoded as Request;
          socket.write(lengthPrefixed(msgpackCodec.encode({ id, sum: a + b })));
          continue;
        }
        if (replies.length === 0) setImmediate(flush);
        for (const { id, a, b } of decoded as Request[]) replies.push({ id, sum: a + b });
      }
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return { port, close: () => server.close() };
}
