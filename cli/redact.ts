// `diagnostics redact --jsonl`: masks JSON lines from a stream, one output line per input line, so a team can
// dry-run the masking rules over exported logs. A bad line becomes a line with an `error`; nothing is dropped.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { loadMaskingEngine } from '../shared/config/masking-rules';
import type { MaskingEngine } from '../shared/domain/masking';

let defaultEngine: MaskingEngine | undefined;
/** The CLI's own engine from the rules file, compiled on first use. */
function cliEngine(): MaskingEngine {
  defaultEngine ??= loadMaskingEngine();
  return defaultEngine;
}

/** Longer lines are reported, not masked: a dry run should not buffer a runaway line in memory. */
export const MAX_LINE_CHARS = 1_000_000;

export interface RedactSummary {
  lines: number;
  errors: number;
  redactions: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One input line to one output line: the object masked whole (its `text` included) plus `redaction`, or an `error`. */
export function redactJsonLine(line: string, lineNumber: number, engine: MaskingEngine = cliEngine()): { output: string; ok: boolean; redactions: number } {
  const fail = (error: string) => ({ output: JSON.stringify({ line: lineNumber, error }), ok: false, redactions: 0 });
  if (line.trim() === '') return fail('empty line');
  if (line.length > MAX_LINE_CHARS) return fail(`line longer than ${MAX_LINE_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return fail('not valid JSON');
  }
  if (!isRecord(parsed)) return fail('expected a JSON object with a "text" string');
  if (typeof parsed.text !== 'string') return fail('missing "text" string field');
  const { redaction: _ignored, ...fields } = parsed;
  const { value, redaction } = engine.maskValue(fields);
  return { output: JSON.stringify({ ...value, redaction }), ok: true, redactions: redaction.count };
}

export async function redactJsonLines(input: Readable, output: Writable, engine: MaskingEngine = cliEngine()): Promise<RedactSummary> {
  const summary: RedactSummary = { lines: 0, errors: 0, redactions: 0 };
  const reader = createInterface({ input, crlfDelay: Infinity });
  for await (const line of reader) {
    summary.lines++;
    const result = redactJsonLine(line, summary.lines, engine);
    if (!result.ok) summary.errors++;
    summary.redactions += result.redactions;
    if (!output.write(`${result.output}\n`)) await once(output, 'drain');
  }
  return summary;
}
