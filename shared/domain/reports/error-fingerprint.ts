// Groups errors that are the same problem: the message with its variable parts replaced, plus the top
// stack frames without line and column numbers (which move with every build).
import { createHash } from 'node:crypto';

const variableParts: Array<[RegExp, string]> = [
  [/\[[A-Z][A-Z_]*\]/g, '<masked>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b[0-9a-f]{12,}\b/gi, '<hex>'],
  [/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>'],
  [/\b\d+(?:\.\d+)?\b/g, '<n>'],
  [/\s+/g, ' '],
];

export function normalizeMessage(message: string): string {
  let normalized = message;
  for (const [pattern, replacement] of variableParts) normalized = normalized.replace(pattern, replacement);
  return normalized.trim().slice(0, 500);
}

/** JS/Java `at …`, Python `File "…", line …`, native `#0 …`, Swift/Kotlin `0  Module  0x… symbol`. */
const framePattern = /^\s*(?:at\s+\S|File\s+"|#\d+\s|\d+\s+\S+\s+0x[0-9a-f]+)/i;

export function stackFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack
    .split(/\r?\n/)
    .filter((line) => framePattern.test(line))
    .map((line) => line.trim());
}

/** A frame without its line/column numbers and addresses. */
export function normalizeFrame(frame: string): string {
  return frame.replace(/:\d+(?::\d+)?(?=\)?$)/, '').replace(/, line \d+/, '').replace(/0x[0-9a-f]+/gi, '<addr>').replace(/\+\s*\d+$/, '');
}

export function errorFingerprint(errorType: string | undefined, message: string, frames: string[], groupingFrames: number): string {
  const material = [errorType ?? '', normalizeMessage(message), ...frames.slice(0, groupingFrames).map(normalizeFrame)].join('\n');
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}
