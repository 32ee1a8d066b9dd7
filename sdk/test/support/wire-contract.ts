// Test-only bridge to the server's zod schemas: every payload the SDK builds must parse, and parse
// without the schema stripping anything (an unknown field would be silently lost on the server).
import { expect } from 'vitest';
import { ingestBatchSchema } from '../../../shared/domain/telemetry/items';
import { signalBatchSchema } from '../../../shared/domain/signals/intake';

function strippedPaths(sent: unknown, parsed: unknown, path = ''): string[] {
  if (sent === null || typeof sent !== 'object') return [];
  if (parsed === null || typeof parsed !== 'object') return [path || '(root)'];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(sent as Record<string, unknown>)) {
    const child = (parsed as Record<string, unknown>)[key];
    if (child === undefined && value !== undefined) missing.push(`${path}${key}`);
    else missing.push(...strippedPaths(value, child, `${path}${key}.`));
  }
  return missing;
}

/** Asserts the body is an ingest batch the server accepts as sent; returns it typed. */
export function expectValidIngestBatch(body: unknown) {
  const result = ingestBatchSchema.safeParse(body);
  if (!result.success) throw new Error(`ingest batch refused by the server schema: ${JSON.stringify(result.error.issues.slice(0, 5))}`);
  expect(strippedPaths(body, result.data)).toEqual([]);
  return result.data;
}

/** Asserts the body is a signal batch the server accepts as sent; returns it typed. */
export function expectValidSignalBatch(body: unknown) {
  const result = signalBatchSchema.safeParse(body);
  if (!result.success) throw new Error(`signal batch refused by the server schema: ${JSON.stringify(result.error.issues.slice(0, 5))}`);
  expect(strippedPaths(body, result.data)).toEqual([]);
  return result.data;
}
