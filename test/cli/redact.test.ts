// `diagnostics redact --jsonl` through its stream function: one output line per input line, masked text and
// redaction remarks, bad lines reported in place, never dropped.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, redactJsonLines } from '../../cli/redact';

async function run(input: string): Promise<{ lines: Array<Record<string, unknown>>; summary: Awaited<ReturnType<typeof redactJsonLines>> }> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const summary = await redactJsonLines(Readable.from([input]), output);
  output.end();
  const text = Buffer.concat(chunks).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return {
    lines: text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    summary,
  };
}

describe('diagnostics redact --jsonl', () => {
  it('masks each line and keeps one output line per input line, errors in place', async () => {
    const input = [
      JSON.stringify({ text: 'login jane@example.com from 203.0.113.7', ts: '2024-05-01T10:00:00Z' }),
      'not json',
      JSON.stringify({ text: 'GET /health 200 3ms' }),
      '',
      JSON.stringify({ message: 'no text field' }),
      JSON.stringify(['text']),
      JSON.stringify({ text: 'password=hunter2', user: { email: 'bob@example.org' }, redaction: { count: 99 } }),
    ].join('\r\n');
    const { lines, summary } = await run(`${input}\n`);

    expect(lines).toEqual([
      { text: 'login [EMAIL] from [IP]', ts: '2024-05-01T10:00:00Z', redaction: { fieldsRedacted: ['text'], patternsMatched: ['email', 'ipv4'], count: 2 } },
      { line: 2, error: 'not valid JSON' },
      { text: 'GET /health 200 3ms', redaction: { fieldsRedacted: [], patternsMatched: [], count: 0 } },
      { line: 4, error: 'empty line' },
      { line: 5, error: 'missing "text" string field' },
      { line: 6, error: 'expected a JSON object with a "text" string' },
      {
        text: 'password=[REDACTED]',
        user: { email: '[EMAIL]' },
        redaction: { fieldsRedacted: ['text', 'user.email'], patternsMatched: ['credential_assignment', 'email'], count: 2 },
      },
    ]);
    expect(summary).toEqual({ lines: 7, errors: 4, redactions: 4 });
  });

  it('reports an over-long line instead of buffering it into the output', async () => {
    const { lines } = await run(`${JSON.stringify({ text: 'x'.repeat(MAX_LINE_CHARS) })}\n${JSON.stringify({ text: 'ok' })}`);
    expect(lines).toEqual([
      { line: 1, error: `line longer than ${MAX_LINE_CHARS} characters` },
      { text: 'ok', redaction: { fieldsRedacted: [], patternsMatched: [], count: 0 } },
    ]);
  });

  it('handles many lines with backpressure, in order', async () => {
    const input = Array.from({ length: 5000 }, (_, index) => JSON.stringify({ text: `user${index}@example.com did ${index}` })).join('\n');
    const { lines, summary } = await run(input);
    expect(lines).toHaveLength(5000);
    expect(lines[4999]).toEqual({ text: '[EMAIL] did 4999', redaction: { fieldsRedacted: ['text'], patternsMatched: ['email'], count: 1 } });
    expect(summary.redactions).toBe(5000);
  });
});
