// The parent side: starts a compiled benchmark server (`node dist/bench/servers/...`) in its own process,
// so the server under test and the load generator each get a core, and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { MemorySample, UsageSnapshot } from './child-protocol';

export interface BenchChild {
  name: string;
  pid: number;
  /** What the child announced when ready (its URL, endpoints…). */
  info: Record<string, unknown>;
  call<T>(command: string, payload?: unknown): Promise<T>;
  usage(): Promise<UsageSnapshot>;
  memorySamples(sinceMs: number): Promise<MemorySample[]>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_IN_MS = 90_000;

/** `script` is relative to dist/bench/servers, e.g. `bare-config-server.js`. */
export async function startChild(name: string, script: string, environment: Record<string, string> = {}, nodeOptions: string[] = []): Promise<BenchChild> {
  const child: ChildProcess = fork(path.join(__dirname, '..', 'servers', script), [], {
    env: { ...process.env, ...environment },
    execArgv: ['--expose-gc', ...nodeOptions],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // The Functions library announces its test mode once per registration; the rest of stderr passes through.
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    const lines = text.split('\n').filter((line) => line && !line.includes('"@azure/functions" package'));
    if (lines.length) process.stderr.write(`${lines.join('\n')}\n`);
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${READY_TIMEOUT_IN_MS} ms`)), READY_TIMEOUT_IN_MS);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
    child.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message as Record<string, unknown>);
        return;
      }
      const waiting = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id!);
      if (message.error !== undefined) waiting.reject(new Error(`${name}: ${message.error}`));
      else waiting.resolve(message.result);
    });
  });
  child.on('exit', () => {
    for (const waiting of pending.values()) waiting.reject(new Error(`${name} exited`));
    pending.clear();
  });

  const call = <T>(command: string, payload?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, command, payload });
    });

  return {
    name,
    pid: child.pid!,
    info,
    call,
    usage: () => call<UsageSnapshot>('usage'),
    memorySamples: (sinceMs) => call<MemorySample[]>('memorySamples', { sinceMs }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}
