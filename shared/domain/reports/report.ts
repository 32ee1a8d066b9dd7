// The diagnostic report as JSON: the schema is the wire type of the stored report and of the API answer.
import { z } from 'zod';
import { logLevels } from '../telemetry/items';

export const REPORT_SCHEMA_VERSION = 1;

const levelCounts = z.object(
  Object.fromEntries(logLevels.map((level) => [level, z.number().int().nonnegative()])) as Record<(typeof logLevels)[number], z.ZodNumber>,
);

export const reportSummarySchema = z.object({
  target: z.record(z.string(), z.string()),
  status: z.string(),
  collectionLevel: z.string(),
  reason: z.string().optional(),
  createdBy: z.string(),
  sessionCreatedAt: z.string(),
  sessionStartedAt: z.string().optional(),
  sessionEndedAt: z.string().optional(),
  expiresAt: z.string(),
  /** From the first to the last item seen; 0 when nothing was collected. */
  observedDurationMs: z.number().nonnegative(),
  firstItemAt: z.string().optional(),
  lastItemAt: z.string().optional(),
  device: z.record(z.string(), z.union([z.string(), z.number()])),
  appVersions: z.array(z.string()),
  countsByLevel: levelCounts,
  counts: z.object({
    logs: z.number().int(),
    breadcrumbs: z.number().int(),
    networkRequests: z.number().int(),
    spans: z.number().int(),
    traces: z.number().int(),
    screenshots: z.number().int(),
    errorGroups: z.number().int(),
    failingRequests: z.number().int(),
    failingTraces: z.number().int(),
  }),
  /** What could not be read or shown within the template's limits. */
  truncated: z.array(z.string()),
});

export const errorGroupSchema = z.object({
  fingerprint: z.string(),
  level: z.enum(['error', 'fatal']),
  errorType: z.string().optional(),
  normalizedMessage: z.string(),
  sampleMessage: z.string(),
  topFrames: z.array(z.string()),
  count: z.number().int().positive(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  modules: z.array(z.string()),
  sampleItemIds: z.array(z.string()),
});

export const stackTraceSchema = z.object({
  fingerprint: z.string(),
  itemId: z.string(),
  timestamp: z.string(),
  errorType: z.string().optional(),
  message: z.string(),
  frames: z.array(z.string()),
  truncatedFrames: z.number().int().nonnegative(),
});

export const failingRequestSchema = z.object({
  itemId: z.string(),
  timestamp: z.string(),
  method: z.string(),
  url: z.string(),
  status: z.number().int().optional(),
  durationMs: z.number(),
  error: z.string().optional(),
  requestHeaders: z.record(z.string(), z.string()).optional(),
  responseHeaders: z.record(z.string(), z.string()).optional(),
  requestBody: z.string().optional(),
  responseBody: z.string().optional(),
  requestSize: z.number().int().optional(),
  responseSize: z.number().int().optional(),
  traceId: z.string().optional(),
});

export const traceSpanSchema = z.object({
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  spanKind: z.string(),
  depth: z.number().int().nonnegative(),
  offsetMs: z.number(),
  durationMs: z.number().nonnegative(),
  status: z.enum(['unset', 'ok', 'error']),
  statusMessage: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});

export const failingTraceSchema = z.object({
  traceId: z.string(),
  rootName: z.string(),
  startTime: z.string(),
  durationMs: z.number().nonnegative(),
  errorSpans: z.number().int(),
  spans: z.array(traceSpanSchema),
  truncatedSpans: z.number().int().nonnegative(),
});

export const breadcrumbTrailSchema = z.object({
  itemId: z.string(),
  fingerprint: z.string(),
  timestamp: z.string(),
  message: z.string(),
  breadcrumbs: z.array(
    z.object({
      timestamp: z.string(),
      category: z.string(),
      message: z.string(),
      level: z.string().optional(),
      data: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export const reportScreenshotSchema = z.object({
  id: z.string(),
  capturedAt: z.string(),
  format: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  trigger: z.string(),
  relatedItemId: z.string().optional(),
  readUrl: z.string().optional(),
  readUrlExpiresAt: z.string().optional(),
});

export const timelineEntrySchema = z.object({
  at: z.string(),
  kind: z.enum(['session', 'fatal', 'error', 'request', 'trace', 'screenshot']),
  label: z.string(),
  ref: z.string().optional(),
});

export const diagnosticReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  id: z.string(),
  title: z.string(),
  template: z.object({ name: z.string(), version: z.number().int() }),
  generatedAt: z.string(),
  session: z.object({ id: z.string(), productId: z.string() }),
  /** Sections switched off in the template are absent. */
  summary: reportSummarySchema.optional(),
  errorGroups: z.array(errorGroupSchema).optional(),
  stackTraces: z.array(stackTraceSchema).optional(),
  failingRequests: z.array(failingRequestSchema).optional(),
  failingTraces: z.array(failingTraceSchema).optional(),
  breadcrumbTrails: z.array(breadcrumbTrailSchema).optional(),
  screenshots: z.array(reportScreenshotSchema).optional(),
  timeline: z.array(timelineEntrySchema).optional(),
});
export type DiagnosticReport = z.infer<typeof diagnosticReportSchema>;
export type ErrorGroup = z.infer<typeof errorGroupSchema>;
export type FailingTrace = z.infer<typeof failingTraceSchema>;
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;
export type ReportScreenshot = z.infer<typeof reportScreenshotSchema>;
