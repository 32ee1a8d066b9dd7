// Console capture: wraps console methods so the app's own output still appears, and hands each call
// the collection level asks for to the client as a log item.
import type { LogLevel } from './wire.js';

const methodLevels = { trace: 'trace', debug: 'debug', log: 'info', info: 'info', warn: 'warn', error: 'error' } as const satisfies Record<string, LogLevel>;
type ConsoleMethod = keyof typeof methodLevels;

export function formatConsoleArguments(args: unknown[]): string {
  return args
    .map((argument) => {
      if (typeof argument === 'string') return argument;
      if (argument instanceof Error) return argument.stack ?? `${argument.name}: ${argument.message}`;
      try {
        return JSON.stringify(argument) ?? String(argument);
      } catch {
        return String(argument);
      }
    })
    .join(' ');
}

/** Installs the wrappers; the returned function puts the originals back. */
export function captureConsole(target: Console, onCall: (level: LogLevel, message: string, args: unknown[]) => void): () => void {
  const originals = new Map<ConsoleMethod, { original: (...args: unknown[]) => void; wrapper: (...args: unknown[]) => void }>();
  let reentrant = false;
  for (const method of Object.keys(methodLevels) as ConsoleMethod[]) {
    const original = target[method] as ((...args: unknown[]) => void) | undefined;
    if (typeof original !== 'function') continue;
    const wrapper = function (this: unknown, ...args: unknown[]) {
      // A capture that itself logs must not loop.
      if (!reentrant) {
        reentrant = true;
        try {
          onCall(methodLevels[method], formatConsoleArguments(args), args);
        } catch {
          // Diagnostics must never break the app's logging.
        } finally {
          reentrant = false;
        }
      }
      return original.apply(this ?? target, args);
    };
    originals.set(method, { original, wrapper });
    (target as unknown as Record<string, unknown>)[method] = wrapper;
  }
  return () => {
    const methods = target as unknown as Record<string, unknown>;
    // Leave a wrapper someone installed after us in place rather than silently removing it.
    for (const [method, { original, wrapper }] of originals) if (methods[method] === wrapper) methods[method] = original;
  };
}
