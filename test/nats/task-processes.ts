/**
 * `accord serve` children for the durable-task tests (test/nats/fixtures/tasks.config.ts: NATS
 * only, tasks in JetStream), and what their task runs left in the runs log. Children are stopped
 * by PID (SIGKILL).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUrlsLine } from 'accord-rpc/server';
import { killChild, spawnTsx, waitForUrls, type Child } from '../server/child-process.js';

export const TASKS_CONFIG = 'test/nats/fixtures/tasks.config.ts';

export interface TaskProcess extends Child {
  pid: number;
  /** `/metrics` of the process's own metrics listener (it runs no HTTP transport). */
  metricsUrl: string;
  kill(): Promise<void>;
}

/** Starts `accord serve` with durable tasks and waits until it is ready. */
export async function serveTasks(servers: string[], nodeId: string, logDir: string, env: Record<string, string> = {}): Promise<TaskProcess> {
  const child = spawnTsx(['codegen/cli.ts', 'serve', TASKS_CONFIG], {
    ACCORD_TRANSPORTS: 'nats',
    ACCORD_NATS_URL: servers.join(','),
    ACCORD_NODE_ID: nodeId,
    ACCORD_TEST_LOG_DIR: logDir,
    ACCORD_METRICS_PORT: '0',
    ...env,
  });
  await waitForUrls(child, 30_000);
  return {
    ...child,
    pid: child.process.pid!,
    metricsUrl: parseUrlsLine(child.stdout())!.metrics!,
    kill: async () => {
      killChild(child);
      await child.exited;
    },
  };
}

export interface RunLine {
  task: string;
  runId: string;
  tag?: string;
  pid: number;
  at: number;
}

/** Every run the fixture tasks recorded, in order. */
export function runsIn(dir: string): RunLine[] {
  const file = join(dir, 'runs.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as RunLine);
}

/** The value of a metric line (`name{labels} value`) in Prometheus text, summed over the lines that match. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
