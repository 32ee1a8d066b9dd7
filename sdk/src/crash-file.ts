// What a crash leaves for the app's next start where the crash ends the process. In Node `uncaughtExceptionMonitor`
// runs and the process exits before anything asynchronous (the crash report's request) completes; with the client's
// `crashDirectory`, the minute frozen for the crash session and the signal batches still unsent are each written to a
// file there, synchronously, and the next start reads them back. A browser page outlives its errors and has no such
// directory: there `crashFileIn` answers undefined and everything stays in memory, as before.
import { nodeProcess } from './runtime.js';

/** What a crash left is sent by a later start only this long after it; older, it is deleted unsent. */
export const CRASH_FILE_MAX_AGE_IN_MS = 24 * 60 * 60_000;

/** One JSON file, written whole or not at all (a partial file moved into place), read back, removed. */
export interface CrashFile {
  write(value: unknown): void;
  /** What was written; undefined when there is no file, or it does not read as JSON (then it is removed). */
  read(): unknown;
  remove(): void;
}

/** The members of `node:fs` used here. */
interface FsLike {
  mkdirSync(path: string, options: { recursive: true }): unknown;
  writeFileSync(path: string, data: string): void;
  renameSync(from: string, to: string): void;
  readFileSync(path: string, encoding: 'utf8'): string;
  rmSync(path: string, options: { force: true }): void;
}

export function crashFileIn(directory: string | undefined, name: string): CrashFile | undefined {
  const fs = directory ? (nodeProcess()?.getBuiltinModule?.('node:fs') as FsLike | undefined) : undefined;
  if (!directory || !fs) return undefined;
  const file = `${directory.replace(/[\\/]+$/, '')}/${name}`;
  const partial = `${file}.partial`;
  const remove = () => {
    for (const path of [file, partial]) {
      try {
        fs.rmSync(path, { force: true });
      } catch {
        // The next start tries again; the readers' own bounds (age, the server's window) still hold.
      }
    }
  };
  return {
    write(value) {
      fs.mkdirSync(directory, { recursive: true });
      fs.writeFileSync(partial, JSON.stringify(value));
      fs.renameSync(partial, file);
    },
    read() {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // Not ours to repair: a file that does not read as written is dropped.
        remove();
        return undefined;
      }
    },
    remove,
  };
}
