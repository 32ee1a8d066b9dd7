// The fingerprint that groups repeats of one error: its type and the top frame of its stack, so the same
// crash with different data in its message is one alert and one ticket, and a crash elsewhere is another.
import { createHash } from 'node:crypto';

export interface ErrorShape {
  errorType?: string;
  stack?: string;
  /** Stands in for the frame when there is no stack. */
  module?: string;
}

/** Frame lines of the stack formats SDKs send: JavaScript/Java/.NET `at …`, Python `File "…", line …`, native `#0 …` and `0 App 0x…`. */
const FRAME = /^\s*(?:at\s+\S|File\s+"|#\d+\s|\d+\s+\S+\s+0x[0-9a-f]+)/i;

/** Load addresses and columns move between builds and runs of the same code; the function and line do not. */
function normalizedFrame(line: string): string {
  return line
    .trim()
    .replace(/0x[0-9a-f]+/gi, '0x')
    .replace(/:(\d+):\d+(\)?)$/, ':$1$2');
}

export function topFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const line = stack.split('\n', 64).find((candidate) => FRAME.test(candidate));
  return line === undefined ? undefined : normalizedFrame(line);
}

/** 16 hex characters, or undefined when there is neither a type nor a place to group by. */
export function errorFingerprint(error: ErrorShape): string | undefined {
  const place = topFrame(error.stack) ?? error.module;
  if (!error.errorType && !place) return undefined;
  return createHash('sha256')
    .update(`${error.errorType ?? ''}\n${place ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}
