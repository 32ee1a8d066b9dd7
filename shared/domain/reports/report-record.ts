// What `debug_reports` (pk /sessionId) holds: one record per generated report, pointing at its blobs, and one
// alert per session whose state CI regression runs move between open and resolved.
import { z } from 'zod';

export const REPORT_RECORD_SCHEMA_VERSION = 1;
export const reportIdSchema = z.string().regex(/^rp_[0-9a-f-]{36}$/, 'a report id looks like rp_<uuid>');

export const reportRecordSchema = z.object({
  id: reportIdSchema,
  docType: z.literal('report'),
  schemaVersion: z.literal(REPORT_RECORD_SCHEMA_VERSION),
  sessionId: z.string(),
  productId: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  template: z.object({ name: z.string(), version: z.number().int() }),
  /** Blob names in the `reports` container. */
  blobs: z.object({ json: z.string(), html: z.string() }),
  sizes: z.object({ jsonBytes: z.number().int(), htmlBytes: z.number().int() }),
  generateMs: z.number().nonnegative(),
  counts: z.record(z.string(), z.number()),
  alertKey: z.string(),
  /** Values the final masking pass still had to mask (0 when ingest masking caught everything). */
  maskingViolations: z.number().int().nonnegative(),
});
export type ReportRecord = z.infer<typeof reportRecordSchema>;

export const regressionResultSchema = z.enum(['pass', 'fail']);

export const regressionRunSchema = z.object({
  runId: z.string(),
  commit: z.string(),
  result: regressionResultSchema,
  link: z.string().optional(),
  reportId: z.string().optional(),
  reportedBy: z.string(),
  at: z.string(),
});
export type RegressionRun = z.infer<typeof regressionRunSchema>;

/** Runs kept per alert; idempotency by run id holds for this many recent runs. */
export const MAX_RUNS_PER_ALERT = 200;

export const alertRecordSchema = z.object({
  id: z.string(),
  docType: z.literal('alert'),
  schemaVersion: z.literal(REPORT_RECORD_SCHEMA_VERSION),
  sessionId: z.string(),
  productId: z.string(),
  alertKey: z.string(),
  status: z.enum(['open', 'resolved']),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().optional(),
  lastReportId: z.string().optional(),
  runs: z.array(regressionRunSchema),
});
export type AlertRecord = z.infer<typeof alertRecordSchema>;

/** The key the ticket side files a session's problem under (same default as its alert-key rules). */
export function sessionAlertKey(productId: string, sessionId: string): string {
  return `session:${productId}:${sessionId}`;
}

export function alertRecordId(sessionId: string): string {
  return `alert_${sessionId}`;
}

export function newAlert(productId: string, sessionId: string, now: Date, lastReportId?: string): AlertRecord {
  const at = now.toISOString();
  return {
    id: alertRecordId(sessionId),
    docType: 'alert',
    schemaVersion: REPORT_RECORD_SCHEMA_VERSION,
    sessionId,
    productId,
    alertKey: sessionAlertKey(productId, sessionId),
    status: 'open',
    openedAt: at,
    updatedAt: at,
    lastReportId,
    runs: [],
  };
}

/** Pure: a passing run resolves, a failing one reopens; a run id seen before changes nothing. */
export function applyRegressionRun(alert: AlertRecord, run: RegressionRun): { alert: AlertRecord; duplicate: boolean } {
  if (alert.runs.some((known) => known.runId === run.runId)) return { alert, duplicate: true };
  const resolved = run.result === 'pass';
  return {
    duplicate: false,
    alert: {
      ...alert,
      status: resolved ? 'resolved' : 'open',
      resolvedAt: resolved ? run.at : undefined,
      updatedAt: run.at,
      runs: [...alert.runs, run].slice(-MAX_RUNS_PER_ALERT),
    },
  };
}
