/**
 * Runs commands as a user of the published package would, in a folder outside this repository:
 * with the environment of a plain shell (no NODE_OPTIONS from vitest, whose `accord-source`
 * condition would load the installed package's TypeScript sources instead of dist/; no npm_*
 * variables of the npm running this test). Long-running commands are started as child processes
 * and stopped by their PID.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && name !== 'NODE_ENV' && !/^(npm_|VITEST)/i.test(name)),
);

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command to its end (killed past `timeoutMs`) and returns its output and exit code. */
export function runCommand(cwd: string, command: string, args: string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...userEnv, ...env }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

/** Like runCommand, but a non-zero exit throws with everything the command printed. */
export async function mustRun(cwd: string, command: string, args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await runCommand(cwd, command, args, timeoutMs, env);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout.slice(-4000)}\nstderr:\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}

export interface RunningCommand {
  process: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
}

/** Starts a long-running command; stop it with stopCommand(). */
export function startCommand(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningCommand {
  const child = spawn(command, args, { cwd, env: { ...userEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { process: child, pid: child.pid, stdout: () => out, stderr: () => err, exited };
}

/** Sends `signal` to the command's PID and waits for it to exit; SIGKILL after `graceMs`. */
export async function stopCommand(command: RunningCommand, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | string> {
  if (command.process.exitCode !== null || command.process.signalCode !== null) return command.exited;
  process.kill(command.pid, signal);
  const timer = setTimeout(() => command.process.kill('SIGKILL'), graceMs);
  try {
    return await command.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 100 ms until it returns a value, or throws `describe()` past `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, describe: () => string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
