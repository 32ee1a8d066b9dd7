// Builds the diagnostic report from a session's stored items: pure, one pass to sort the items into
// kinds, then each section from its own slice. O(n log n) in the number of items.
import type { DebugSession } from '../sessions/session';
import { targetFields } from '../sessions/session';
import { logLevels, type LogDoc, type SpanDoc } from '../telemetry/items';
import { errorFingerprint, normalizeMessage, stackFrames } from '../telemetry/error-fingerprint';
import { REPORT_SCHEMA_VERSION, type DiagnosticReport, type ErrorGroup, type FailingTrace, type ReportScreenshot, type TimelineEntry } from './report';
import type { ReportTemplate } from './template';

export interface ReportInput {
  reportId: string;
  generatedAt: Date;
  template: ReportTemplate;
  session: DebugSession;
  /** Logs, breadcrumbs and network captures of the session, in any order. */
  logs: LogDoc[];
  spans: SpanDoc[];
  /** Confirmed screenshots, with their read links when the reader may have them. */
  screenshots: ReportScreenshot[];
  /** What the reader already cut, e.g. `logs: read 100000 of more`. */
  truncated?: string[];
}

type Log = Extract<LogDoc, { docType: 'log' }>;
type Breadcrumb = Extract<LogDoc, { docType: 'breadcrumb' }>;
type Network = Extract<LogDoc, { docType: 'network' }>;

const byTimestamp = (a: { timestamp: string }, b: { timestamp: string }) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0);

function isError(log: Log): boolean {
  return log.level === 'error' || log.level === 'fatal';
}

function errorMessage(log: Log): string {
  return log.error?.message ?? log.message;
}

function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

interface Sorted {
  logs: Log[];
  errors: Log[];
  breadcrumbs: Breadcrumb[];
  network: Network[];
}

function sortItems(items: LogDoc[]): Sorted {
  const sorted: Sorted = { logs: [], errors: [], breadcrumbs: [], network: [] };
  for (const item of items) {
    if (item.docType === 'log') {
      sorted.logs.push(item);
      if (isError(item)) sorted.errors.push(item);
    } else if (item.docType === 'breadcrumb') sorted.breadcrumbs.push(item);
    else sorted.network.push(item);
  }
  sorted.errors.sort(byTimestamp);
  sorted.breadcrumbs.sort(byTimestamp);
  sorted.network.sort(byTimestamp);
  return sorted;
}

interface GroupedError {
  group: ErrorGroup;
  fingerprint: string;
}

function groupErrors(errors: Log[], template: ReportTemplate): { groups: ErrorGroup[]; fingerprintOf: Map<string, string> } {
  const settings = template.sections.errorGroups;
  const groups = new Map<string, GroupedError>();
  const fingerprintOf = new Map<string, string>();
  for (const log of errors) {
    const frames = stackFrames(log.error?.stack);
    const message = errorMessage(log);
    // Never undefined here: every grouped log has a message.
    const fingerprint = errorFingerprint({ errorType: log.error?.type, stack: log.error?.stack, module: log.module, message }) ?? '';
    fingerprintOf.set(log.itemId, fingerprint);
    const existing = groups.get(fingerprint);
    if (existing) {
      const group = existing.group;
      group.count++;
      group.lastSeen = log.timestamp;
      if (log.level === 'fatal') group.level = 'fatal';
      if (log.module && !group.modules.includes(log.module) && group.modules.length < 10) group.modules.push(log.module);
      if (group.sampleItemIds.length < 5) group.sampleItemIds.push(log.itemId);
      continue;
    }
    groups.set(fingerprint, {
      fingerprint,
      group: {
        fingerprint,
        level: log.level === 'fatal' ? 'fatal' : 'error',
        errorType: log.error?.type,
        normalizedMessage: normalizeMessage(message),
        sampleMessage: message,
        topFrames: frames.slice(0, settings.topFrames),
        count: 1,
        firstSeen: log.timestamp,
        lastSeen: log.timestamp,
        modules: log.module ? [log.module] : [],
        sampleItemIds: [log.itemId],
      },
    });
  }
  // Fatal first, then the most frequent, then the earliest.
  const ordered = [...groups.values()]
    .map((entry) => entry.group)
    .sort((a, b) => (a.level !== b.level ? (a.level === 'fatal' ? -1 : 1) : b.count - a.count || (a.firstSeen < b.firstSeen ? -1 : 1)));
  return { groups: ordered, fingerprintOf };
}

function isFailing(request: Network, minStatus: number): boolean {
  if (request.status === undefined || request.status === 0) return request.error !== undefined;
  return request.status >= minStatus;
}

function buildTrace(traceId: string, spans: SpanDoc[], maxSpans: number): FailingTrace {
  const ordered = [...spans].sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : 0));
  const start = Date.parse(ordered[0]!.startTime);
  const end = Math.max(...ordered.map((span) => Date.parse(span.endTime)));
  const ids = new Set(ordered.map((span) => span.spanId));
  const children = new Map<string, SpanDoc[]>();
  const roots: SpanDoc[] = [];
  for (const span of ordered) {
    if (span.parentSpanId && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId) {
      const siblings = children.get(span.parentSpanId) ?? [];
      siblings.push(span);
      children.set(span.parentSpanId, siblings);
    } else roots.push(span);
  }
  // Depth-first, children in start order: the waterfall reads like a call tree.
  const flat: FailingTrace['spans'] = [];
  const visited = new Set<string>();
  const stack: Array<{ span: SpanDoc; depth: number }> = roots.reverse().map((span) => ({ span, depth: 0 }));
  while (stack.length > 0) {
    const { span, depth } = stack.pop()!;
    if (visited.has(span.spanId)) continue;
    visited.add(span.spanId);
    if (flat.length < maxSpans) {
      flat.push({
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        name: span.name,
        spanKind: span.spanKind,
        depth,
        offsetMs: Date.parse(span.startTime) - start,
        durationMs: span.durationMs,
        status: span.status.code,
        statusMessage: span.status.message,
        attributes: span.attributes,
      });
    }
    const below = children.get(span.spanId) ?? [];
    for (let index = below.length - 1; index >= 0; index--) stack.push({ span: below[index]!, depth: depth + 1 });
  }
  const root = roots[roots.length - 1] ?? ordered[0]!;
  return {
    traceId,
    rootName: root.name,
    startTime: ordered[0]!.startTime,
    durationMs: Math.max(0, end - start),
    errorSpans: ordered.filter((span) => span.status.code === 'error').length,
    spans: flat,
    truncatedSpans: Math.max(0, ordered.length - flat.length),
  };
}

function failingTraces(
  spans: SpanDoc[],
  failingRequestTraceIds: Set<string>,
  template: ReportTemplate,
): { traces: FailingTrace[]; total: number; traceCount: number } {
  const byTrace = new Map<string, SpanDoc[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  const failing = [...byTrace.entries()].filter(([traceId, list]) => failingRequestTraceIds.has(traceId) || list.some((span) => span.status.code === 'error'));
  failing.sort(([, a], [, b]) => (earliest(a) < earliest(b) ? -1 : 1));
  const settings = template.sections.traceTree;
  return {
    traces: failing.slice(0, settings.maxTraces).map(([traceId, list]) => buildTrace(traceId, list, settings.maxSpansPerTrace)),
    total: failing.length,
    traceCount: byTrace.size,
  };
}

function earliest(spans: SpanDoc[]): string {
  let first = spans[0]!.startTime;
  for (const span of spans) if (span.startTime < first) first = span.startTime;
  return first;
}

/** Index of the first breadcrumb later than `time` (binary search over sorted breadcrumbs). */
function upperBound(breadcrumbs: Breadcrumb[], time: string): number {
  let low = 0;
  let high = breadcrumbs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (breadcrumbs[middle]!.timestamp <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

function deviceContext(items: LogDoc[]): { device: Record<string, string | number>; appVersions: string[] } {
  let latest: LogDoc | undefined;
  const appVersions = new Set<string>();
  for (const item of items) {
    if (!item.device) continue;
    if (item.device.appVersion) appVersions.add(item.device.appVersion);
    if (!latest || item.receivedAt > latest.receivedAt) latest = item;
  }
  const device: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(latest?.device ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') device[key] = value;
  }
  return { device, appVersions: [...appVersions].sort() };
}

export function buildReport(input: ReportInput): DiagnosticReport {
  const { template, session } = input;
  const sections = template.sections;
  const sorted = sortItems(input.logs);
  const truncated = [...(input.truncated ?? [])];

  const { groups, fingerprintOf } = groupErrors(sorted.errors, template);
  const failingRequests = sorted.network.filter((request) => isFailing(request, sections.failingRequests.minStatus));
  const traces = failingTraces(input.spans, new Set(failingRequests.flatMap((request) => (request.traceId ? [request.traceId] : []))), template);

  const report: DiagnosticReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: input.reportId,
    title: template.title,
    template: { name: template.name, version: template.version },
    generatedAt: input.generatedAt.toISOString(),
    session: { id: session.id, productId: session.productId },
  };

  if (sections.errorGroups.enabled) {
    report.errorGroups = groups.slice(0, sections.errorGroups.maxGroups);
    if (groups.length > sections.errorGroups.maxGroups) truncated.push(`errorGroups: ${sections.errorGroups.maxGroups} of ${groups.length}`);
  }

  if (sections.stackTraces.enabled) {
    // One stack per error group (its first occurrence), in the groups' order.
    const firstOfGroup = new Map<string, Log>();
    for (const log of sorted.errors) {
      const fingerprint = fingerprintOf.get(log.itemId)!;
      if (log.error?.stack && !firstOfGroup.has(fingerprint)) firstOfGroup.set(fingerprint, log);
    }
    const withStacks = groups.flatMap((group) => {
      const log = firstOfGroup.get(group.fingerprint);
      return log ? [{ group, log }] : [];
    });
    report.stackTraces = withStacks.slice(0, sections.stackTraces.maxTraces).map(({ group, log }) => {
      const frames = stackFrames(log.error?.stack);
      const lines = frames.length > 0 ? frames : (log.error?.stack ?? '').split(/\r?\n/).filter(Boolean);
      return {
        fingerprint: group.fingerprint,
        itemId: log.itemId,
        timestamp: log.timestamp,
        errorType: log.error?.type,
        message: errorMessage(log),
        frames: lines.slice(0, sections.stackTraces.maxFrames),
        truncatedFrames: Math.max(0, lines.length - sections.stackTraces.maxFrames),
      };
    });
  }

  if (sections.failingRequests.enabled) {
    const max = sections.failingRequests.maxBodyChars;
    report.failingRequests = failingRequests.slice(0, sections.failingRequests.maxRequests).map((request) => ({
      itemId: request.itemId,
      timestamp: request.timestamp,
      method: request.method,
      url: request.url,
      status: request.status,
      durationMs: request.durationMs,
      error: request.error,
      requestHeaders: request.requestHeaders,
      responseHeaders: request.responseHeaders,
      requestBody: clip(request.requestBody, max),
      responseBody: clip(request.responseBody, max),
      requestSize: request.requestSize,
      responseSize: request.responseSize,
      traceId: request.traceId,
    }));
    if (failingRequests.length > sections.failingRequests.maxRequests)
      truncated.push(`failingRequests: ${sections.failingRequests.maxRequests} of ${failingRequests.length}`);
  }

  if (sections.traceTree.enabled) {
    report.failingTraces = traces.traces;
    if (traces.total > traces.traces.length) truncated.push(`failingTraces: ${traces.traces.length} of ${traces.total}`);
  }

  if (sections.breadcrumbs.enabled) {
    const settings = sections.breadcrumbs;
    report.breadcrumbTrails = sorted.errors.slice(0, settings.maxErrors).map((log) => {
      const end = upperBound(sorted.breadcrumbs, log.timestamp);
      const windowStart = new Date(Date.parse(log.timestamp) - settings.windowSeconds * 1000).toISOString();
      const trail: Breadcrumb[] = [];
      for (let index = end - 1; index >= 0 && trail.length < settings.perError; index--) {
        const breadcrumb = sorted.breadcrumbs[index]!;
        if (breadcrumb.timestamp < windowStart) break;
        trail.push(breadcrumb);
      }
      return {
        itemId: log.itemId,
        fingerprint: fingerprintOf.get(log.itemId)!,
        timestamp: log.timestamp,
        message: errorMessage(log),
        breadcrumbs: trail.reverse().map((breadcrumb) => ({
          timestamp: breadcrumb.timestamp,
          category: breadcrumb.category,
          message: breadcrumb.message,
          level: breadcrumb.level,
          data: breadcrumb.data,
        })),
      };
    });
    if (sorted.errors.length > settings.maxErrors) truncated.push(`breadcrumbTrails: ${settings.maxErrors} of ${sorted.errors.length} errors`);
  }

  const screenshots = [...input.screenshots].sort((a, b) => (a.capturedAt < b.capturedAt ? -1 : 1));
  if (sections.screenshots.enabled) {
    report.screenshots = screenshots.slice(0, sections.screenshots.maxScreenshots);
    if (screenshots.length > sections.screenshots.maxScreenshots)
      truncated.push(`screenshots: ${sections.screenshots.maxScreenshots} of ${screenshots.length}`);
  }

  if (sections.timeline.enabled) {
    const entries: TimelineEntry[] = [];
    if (session.startedAt) entries.push({ at: session.startedAt, kind: 'session', label: 'session started' });
    if (session.endedAt) entries.push({ at: session.endedAt, kind: 'session', label: `session ${session.status}` });
    for (const log of sorted.errors)
      entries.push({ at: log.timestamp, kind: log.level === 'fatal' ? 'fatal' : 'error', label: errorMessage(log), ref: log.itemId });
    for (const request of failingRequests)
      entries.push({ at: request.timestamp, kind: 'request', label: `${request.method} ${request.status ?? 'failed'}`, ref: request.itemId });
    for (const trace of traces.traces) entries.push({ at: trace.startTime, kind: 'trace', label: trace.rootName, ref: trace.traceId });
    for (const screenshot of screenshots) entries.push({ at: screenshot.capturedAt, kind: 'screenshot', label: screenshot.trigger, ref: screenshot.id });
    entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    report.timeline = entries.slice(0, sections.timeline.maxEvents);
    if (entries.length > sections.timeline.maxEvents) truncated.push(`timeline: ${sections.timeline.maxEvents} of ${entries.length}`);
  }

  if (sections.summary.enabled) {
    const countsByLevel = Object.fromEntries(logLevels.map((level) => [level, 0])) as Record<(typeof logLevels)[number], number>;
    for (const log of sorted.logs) countsByLevel[log.level]++;
    let first: string | undefined;
    let last: string | undefined;
    const see = (time: string) => {
      if (first === undefined || time < first) first = time;
      if (last === undefined || time > last) last = time;
    };
    for (const item of input.logs) see(item.timestamp);
    for (const span of input.spans) {
      see(span.startTime);
      see(span.endTime);
    }
    const target: Record<string, string> = {};
    for (const field of targetFields) if (session[field] !== undefined) target[field] = session[field]!;
    const context = deviceContext(input.logs);
    report.summary = {
      target,
      status: session.status,
      collectionLevel: session.collectionLevel,
      reason: session.reason,
      createdBy: session.createdBy,
      sessionCreatedAt: session.createdAt,
      sessionStartedAt: session.startedAt,
      sessionEndedAt: session.endedAt,
      expiresAt: session.expiresAt,
      observedDurationMs: first && last ? Date.parse(last) - Date.parse(first) : 0,
      firstItemAt: first,
      lastItemAt: last,
      device: context.device,
      appVersions: context.appVersions,
      countsByLevel,
      counts: {
        logs: sorted.logs.length,
        breadcrumbs: sorted.breadcrumbs.length,
        networkRequests: sorted.network.length,
        spans: input.spans.length,
        traces: traces.traceCount,
        screenshots: screenshots.length,
        errorGroups: groups.length,
        failingRequests: failingRequests.length,
        failingTraces: traces.total,
      },
      truncated,
    };
  }
  // Summary first when read top to bottom; absent sections stay absent.
  const { schemaVersion, id, title, template: templateRef, generatedAt, session: sessionRef, summary, ...rest } = report;
  return { schemaVersion, id, title, template: templateRef, generatedAt, session: sessionRef, ...(summary ? { summary } : {}), ...rest };
}
