/**
 * The raw baselines of the mesh benchmarks: a bare TCP server answering length-prefixed
 * MessagePack `{id, a, b}` with `{id, sum}` (one message per call each way, or with `batched`
 * the messages of one event-loop turn as one array each way, as Accord's session layer does), and
 * a byte-piping TCP relay (the cheapest possible middle hop).
 */
import { createServer, connect, type Server } from 'node:net';
import { msgpackCodec } from 'accord-rpc/core';
import { lengthPrefixed, LengthPrefixReader } from 'accord-rpc/link';

type Request = { id: number; a: number; b: number };

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** Starts the echo server; returns its port and a stop function. */
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
  const port = await listening(server);
  return { port, close: () => server.close() };
}

/** A relay that pipes bytes both ways between each client and `target`. */
export async function rawRelay(target: number): Promise<{ port: number; close: () => void }> {
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await listening(server);
  return { port, close: () => server.close() };
}
