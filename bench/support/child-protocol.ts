// The child side of a benchmark process: answers the parent's commands over the IPC channel and samples
// its own resident memory, so the parent can read CPU time and RSS of exactly the process under load.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export type CommandHandler = (payload: unknown) => unknown;

export interface UsageSnapshot {
  rssBytes: number;
  heapUsedBytes: number;
  /** User + system CPU time of this process since it started. */
  cpuMicros: number;
  atMs: number;
}

export interface MemorySample {
  atMs: number;
  rssBytes: number;
  /** What V8 has reserved for its heap: RSS that grows with it is the collector's headroom, not a leak. */
  heapTotalBytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (Buffers among them). */
  externalBytes: number;
}

interface CommandMessage {
  id: number;
  command: string;
  payload?: unknown;
}

const SAMPLE_INTERVAL_IN_MS = 200;
const MAX_SAMPLES = 20_000;

export function usageNow(): UsageSnapshot {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, atMs: Date.now() };
}

/** Serves commands from the parent; `ready` is sent once, when the process is ready for load. */
export function serveParent(handlers: Record<string, CommandHandler>, ready: Record<string, unknown>): void {
  if (!process.send) throw new Error('Start this script with child_process.fork (it needs an IPC channel)');
  const samples: MemorySample[] = [];
  const sampler = setInterval(() => {
    if (samples.length >= MAX_SAMPLES) samples.shift();
    const memory = process.memoryUsage();
    samples.push({ atMs: Date.now(), rssBytes: memory.rss, heapTotalBytes: memory.heapTotal, externalBytes: memory.external });
  }, SAMPLE_INTERVAL_IN_MS);
  sampler.unref();

  let profiler: Session | undefined;
  const builtIn: Record<string, CommandHandler> = {
    usage: () => usageNow(),
    // A CPU profile of a chosen stretch (one load run, say) rather than of the whole process, as --cpu-prof gives.
    startCpuProfile: async (payload) => {
      profiler ??= new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: (payload as { intervalMicros?: number } | undefined)?.intervalMicros ?? 100 });
      await profiler.post('Profiler.start');
      return true;
    },
    stopCpuProfile: async (payload) => {
      if (!profiler) throw new Error('no CPU profile was started');
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      writeFileSync((payload as { file: string }).file, JSON.stringify(profile));
      return (payload as { file: string }).file;
    },
    memorySamples: (payload) => samples.filter((sample) => sample.atMs >= ((payload as { sinceMs?: number } | undefined)?.sinceMs ?? 0)),
    collectGarbage: () => {
      (globalThis as { gc?: () => void }).gc?.();
      return usageNow();
    },
  };
  const all = { ...builtIn, ...handlers };
  process.on('message', (message: CommandMessage) => {
    void (async () => {
      const handler = all[message.command];
      try {
        if (!handler) throw new Error(`unknown command ${message.command}`);
        const result = await handler(message.payload);
        process.send!({ id: message.id, result });
      } catch (error) {
        process.send!({ id: message.id, error: (error as Error).message ?? String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, ...ready });
}
