/**
 * Answers sent before the request's body was read (an unknown path, a GET no route reads the body
 * of, a body over the limit) on a connection the client asked to close: the server keeps reading
 * and dropping what the client still sends until it is done, instead of closing with those bytes
 * unread, which resets the connection and can take the answer with it. The client here holds off
 * reading until it has written everything, so without the lingering close it gets a reset (or a
 * write error) and no answer.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from 'accord-rpc/testing';

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer({ services: ['examples/handlers/math.ts'], transports: ['http'], config: { pool: false } });
  port = Number(new URL(server.urls.http!).port);
});

afterAll(async () => {
  await server?.stop();
});

/** Writes the whole request with reading paused, then reads the answer until the server closes. */
function sendAllThenRead(head: string, bodyBytes: number): Promise<{ answer: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.pause();
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => resolve({ answer: Buffer.concat(chunks).toString('latin1'), error }));
    socket.write(head);
    socket.write(Buffer.alloc(bodyBytes, 0x61), () => socket.resume());
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}

describe('answers sent before the request body was read, on connections the client closes', () => {
  it('a GET with an 8 MiB body to an unknown path gets its 404 (UNIMPLEMENTED) answer whole, no reset', async () => {
    const size = 8 * 1024 * 1024;
    const { answer, error } = await sendAllThenRead(`GET /nosuch HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: ${size}\r\n\r\n`, size);
    expect(error).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 (404|501) /);
    expect(answer).toMatch(/"code":"(NOT_FOUND|UNIMPLEMENTED)"/);
  });

  it('a POST over the body limit gets its 413 answer whole, no reset', async () => {
    const size = 8 * 1024 * 1024;
    const { answer, error } = await sendAllThenRead(`POST /rpc/math/v1/add HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`, size);
    expect(error).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('PAYLOAD_TOO_LARGE');
  });
});
