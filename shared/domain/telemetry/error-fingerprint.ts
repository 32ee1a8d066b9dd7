// The one fingerprint that groups repeats of an error, used by reports (error groups), alerts and tickets
// alike, so one crash is one group, one alert and one ticket. Like the common crash reporters: the type and
// the top stack frames decide when there is a stack (the message carries data, lines move between builds);
// without a stack, the type, module and the message with its variable parts replaced.
import { createHash } from 'node:crypto';

export interface ErrorShape {
  errorType?: string;
  stack?: string;
  /** Stands in for the frames when there is no stack. */
  module?: string;
  message?: string;
}

/** Frames that, with the type, decide the group. */
export const GROUPING_FRAMES = 3;

/** Frame lines of the stack formats SDKs send: JavaScript/Java/.NET `at …`, Python `File "…", line …`, native `#0 …` and `0 App 0x…`. */
const FRAME = /^\s*(?:at\s+\S|File\s+"|#\d+\s|\d+\s+\S+\s+0x[0-9a-f]+)/i;

const variableParts: Array<[RegExp, string]> = [
  [/\[[A-Z][A-Z_]*\]/g, '<masked>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b[0-9a-f]{12,}\b/gi, '<hex>'],
  [/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>'],
  [/\b\d+(?:\.\d+)?\b/g, '<n>'],
  [/\s+/g, ' '],
];

/** The message with its variable parts (numbers, ids, quoted values, masked values) replaced. */
export function normalizeMessage(message: string): string {
  let normalized = message;
  for (const [pattern, replacement] of variableParts) normalized = normalized.replace(pattern, replacement);
  return normalized.trim().slice(0, 500);
}

export function stackFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack
    .split(/\r?\n/, 512)
    .filter((line) => FRAME.test(line))
    .map((line) => line.trim());
}

/** A frame without line and column numbers and load addresses, which move between builds and runs of the same code. */
export function normalizeFrame(frame: string): string {
  return frame
    .trim()
    .replace(/:\d+(?::\d+)?(?=\)?$)/, '')
    .replace(/, line \d+/, '')
    .replace(/0x[0-9a-f]+/gi, '0x')
    .replace(/\s*\+\s*\d+$/, '');
}

export function topFrame(stack: string | undefined): string | undefined {
  const [first] = stackFrames(stack);
  return first === undefined ? undefined : normalizeFrame(first);
}

/** 16 hex characters, or undefined when there is nothing to group by. */
export function errorFingerprint(error: ErrorShape): string | undefined {
  const frames = stackFrames(error.stack).slice(0, GROUPING_FRAMES).map(normalizeFrame);
  const place = frames.length > 0 ? frames : [error.module ?? '', normalizeMessage(error.message ?? '')];
  if (!error.errorType && place.every((part) => part === '')) return undefined;
  return createHash('sha256')
    .update([error.errorType ?? '', ...place].join('\n'))
    .digest('hex')
    .slice(0, 16);
}
