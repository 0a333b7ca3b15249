/** What `accord serve` and the demo print once a server is up: URLs for people, and one line for scripts. */
import { serviceKey } from '../contract/index.js';
import type { AccordServer } from './create-server.js';

/** Prefix of the machine-readable line: `ACCORD_URLS {"http":"http://127.0.0.1:3000",...}`. */
export const URLS_LINE_PREFIX = 'ACCORD_URLS ';

/** The URLs worth showing: each transport's, plus the HTTP docs, OpenAPI document and metrics. */
export function publicUrls(server: AccordServer): Record<string, string> {
  const urls: Record<string, string> = { ...server.urls };
  if (urls.http) {
    urls.docs = `${urls.http}/docs`;
    urls.openapi = `${urls.http}/openapi.json`;
    if (server.metrics && !urls.metrics) urls.metrics = `${urls.http}/metrics`;
  }
  return urls;
}

export function banner(server: AccordServer, title = 'Accord server'): string {
  const urls = publicUrls(server);
  const width = Math.max(...Object.keys(urls).map((k) => k.length));
  const lines = [
    `${title} ready: ${server.dispatcher.services.map(serviceKey).join(', ')}`,
    ...Object.entries(urls).map(([name, url]) => `  ${name.padEnd(width)}  ${url}`),
    `${URLS_LINE_PREFIX}${JSON.stringify(urls)}`,
  ];
  return lines.join('\n') + '\n';
}

/** Reads the machine-readable line from a server's stdout, or undefined while it has not appeared. */
export function parseUrlsLine(output: string): Record<string, string> | undefined {
  const line = output.split('\n').find((l) => l.startsWith(URLS_LINE_PREFIX));
  return line ? (JSON.parse(line.slice(URLS_LINE_PREFIX.length)) as Record<string, string>) : undefined;
}
