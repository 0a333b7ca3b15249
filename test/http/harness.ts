/** A real HTTP server on 127.0.0.1:0 serving the conformance handlers, for the HTTP tests. */
import { Dispatcher } from 'accord-rpc/core';
import { httpTransport, type HttpTransport, type HttpTransportOptions } from 'accord-rpc/http';
import { authenticate, conformanceServices, createProbe, type Probe } from '../conformance/handlers.js';

export interface Harness {
  url: string;
  transport: HttpTransport;
  probe: Probe;
  stop(graceMs?: number): Promise<void>;
}

export async function startHttp(options: HttpTransportOptions = {}): Promise<Harness> {
  const probe = createProbe();
  const dispatcher = new Dispatcher({ services: conformanceServices(probe), authenticate });
  const transport = httpTransport({ host: '127.0.0.1', port: 0, ...options });
  await transport.start(dispatcher);
  return { url: transport.url, transport, probe, stop: (graceMs = 200) => transport.stop({ graceMs }) };
}

/** fetch + parsed body (JSON when the response says so, else text). */
export async function call(url: string, init: RequestInit = {}): Promise<{ status: number; type: string; body: any }> {
  const response = await fetch(url, init);
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, type, body: type.includes('json') && text ? JSON.parse(text) : text };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
