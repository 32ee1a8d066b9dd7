// The dashboard's wire types: type-only imports of the server's zod schemas and service results, so the UI and
// the API cannot drift apart (nothing here reaches the bundle).
import type { z } from 'zod';
import type { createSessionRequestSchema, DebugSession, SessionStatus, updateSessionRequestSchema } from '../../../shared/domain/sessions/session';
import type { DeviceContext, LogDoc, LogLevel, SpanDoc } from '../../../shared/domain/telemetry/items';
import type { ScreenshotView } from '../../../shared/domain/screenshots/screenshot';
import type { ProblemBody } from '../../../shared/http/problem';
import type { logsQuerySchema, timelineQuerySchema, tracesQuerySchema } from '../../../shared/http/telemetry-query-routes';
import type { DashboardConfig } from '../../../shared/http/dashboard-assets';
import type { Page } from '../../../shared/ports/session-store';
import type { TimelineDoc } from '../../../shared/ports/telemetry-store';
import type { ListSessionsQuery } from '../../../shared/services/session-service';
import type { GeneratedReport } from '../../../shared/services/report-service';
import type { ExportResult } from '../../../shared/services/export-service';
import type { TraceTree } from '../../../shared/services/telemetry-query-service';
import type { SpanNode } from '../../../shared/domain/telemetry/span-tree';
import type { DevSignInRequest, DevSignInResponse } from '../../../local-host/dev-sign-in';
import type { MetricName } from '../../../shared/domain/signals/series';
import type { readSeries, seriesQuerySchema } from '../../../shared/services/signal-service';
import type { listAlerts } from '../../../shared/services/signal-rule-service';

/** A session as GET/POST/PATCH answer it: the document plus its ETag for If-Match. */
export type Session = DebugSession & { etag: string };
export type {
  DashboardConfig,
  DeviceContext,
  DevSignInRequest,
  DevSignInResponse,
  LogDoc,
  LogLevel,
  Page,
  ProblemBody,
  ScreenshotView,
  SessionStatus,
  SpanDoc,
  SpanNode,
  TimelineDoc,
  TraceTree,
};

export type CreateSessionInput = z.input<typeof createSessionRequestSchema>;
export type UpdateSessionInput = z.input<typeof updateSessionRequestSchema>;
export type SessionListQuery = Omit<ListSessionsQuery, 'pageSize'> & { pageSize?: number };
export type LogsQuery = z.input<typeof logsQuerySchema>;
export type TracesQuery = z.input<typeof tracesQuerySchema>;
export type TimelineQuery = z.input<typeof timelineQuerySchema>;
export type Report = Omit<GeneratedReport, 'report'> & { report: unknown };
/** The blob channel's JSON answer (the fallback channel answers with the file itself). */
export type ExportLink = Extract<ExportResult, { channel: 'blob' }>;
/** One row of GET /products/{productId}/alerts: a rule with its state and recent episodes. */
export type AlertView = Awaited<ReturnType<typeof listAlerts>>[number];
/** GET /products/{productId}/series: one metric's points, with the expected band when asked. */
export type SeriesAnswer = Awaited<ReturnType<typeof readSeries>>;
export type SeriesQuery = z.input<typeof seriesQuerySchema>;
export type { MetricName };
