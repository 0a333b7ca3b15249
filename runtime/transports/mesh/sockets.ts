/**
 * Opening mesh connections: a listener and a dialer over plain TCP or TLS. `tls: true` is TLS 1.3
 * with a pre-shared key derived from the mesh key (encryption and per-record integrity without
 * certificates); an options object is certificate TLS, mutual by default (each node presents its
 * certificate and checks the other's against `ca`). The mesh handshake runs inside either.
 */
import { createServer as createTcpServer, connect as connectTcp, type Server, type Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { AccordError } from '../../core/errors.js';
import type { MeshKey } from './peer-auth.js';

/** Certificate TLS: node's own TLS options (key, cert, ca, ...), passed through. */
export type MeshTlsOptions = TlsOptions & ConnectionOptions;

export type MeshTls = boolean | MeshTlsOptions | undefined;

export interface PeerAddress {
  host: string;
  port: number;
}

const PSK_IDENTITY = 'accord-mesh';
const PSK_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256';

/** `host:port` or `[v6]:port`, checked; `field` names where it came from in errors. */
export function parseAddress(text: string, field: string): PeerAddress {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw new AccordError('INVALID_ARGUMENT', `${field}: '${text}' is not host:port (e.g. 127.0.0.1:7400)`);
  return { host: match[1] ?? match[2]!, port };
}

export function formatAddress({ host, port }: PeerAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function pskServerOptions(key: MeshKey): TlsOptions {
  return {
    minVersion: 'TLSv1.3',
    ciphers: PSK_CIPHERS,
    pskCallback: (_socket, identity) => (identity === PSK_IDENTITY ? key.tlsPsk : null),
  };
}

function pskClientOptions(key: MeshKey): ConnectionOptions {
  return {
    minVersion: 'TLSv1.3',
    ciphers: PSK_CIPHERS,
    pskCallback: () => ({ psk: key.tlsPsk, identity: PSK_IDENTITY }),
    // No certificate with PSK: there is no name to check.
    checkServerIdentity: () => undefined,
  };
}

/** Listens; `onSocket` gets each connection (after the TLS handshake, with TLS). */
export function listen(address: PeerAddress, tls: MeshTls, key: MeshKey, handshakeTimeoutMs: number, onSocket: (socket: Socket) => void): Promise<Server> {
  let server: Server;
  if (!tls) server = createTcpServer(onSocket);
  else {
    const options = tls === true ? pskServerOptions(key) : { requestCert: true, rejectUnauthorized: true, ...tls };
    const secure = createTlsServer({ ...options, handshakeTimeout: handshakeTimeoutMs }, onSocket);
    secure.on('tlsClientError', () => undefined); // a peer that fails TLS is just not connected
    server = secure;
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Connects (and completes TLS), or rejects with UNAVAILABLE naming the address. */
export function dial(address: PeerAddress, tls: MeshTls, key: MeshKey, timeoutMs: number): Promise<Socket> {
  const target = formatAddress(address);
  return new Promise((resolve, reject) => {
    let socket: Socket;
    const ready = () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(socket);
    };
    const failed = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new AccordError('UNAVAILABLE', `cannot connect to mesh peer ${target}: ${error.message}`));
    };
    if (!tls) socket = connectTcp({ host: address.host, port: address.port }, ready);
    else {
      const options = tls === true ? pskClientOptions(key) : tls;
      socket = connectTls({ ...options, host: address.host, port: address.port }, ready);
    }
    socket.once('error', failed);
    const timer = setTimeout(() => failed(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
  });
}
