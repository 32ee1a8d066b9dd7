// Report use cases: read a session's items in parallel, build the report, mask it once more, render HTML,
// store both in Blob storage with a `debug_reports` record, answer with read links, and announce it. The stored
// report is whole; fields the field policy restricts are withheld at read time: a reader whose roles withhold
// something gets links to a view rendered from the stored JSON for that set of withheld fields (`<base>.view-<key>`).
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { requireEngineer, requireReader, type Principal } from '../domain/access/principal';
import { FieldAccessView, type FieldPolicy } from '../domain/access/field-policy';
import type { MaskingEngine } from '../domain/masking';
import { buildReport } from '../domain/reports/build-report';
import { maskRenderedText, maskReport } from '../domain/reports/mask-report';
import { renderReportHtml } from '../domain/reports/render-html';
import { diagnosticReportSchema, type DiagnosticReport, type ReportScreenshot } from '../domain/reports/report';
import { newAlert, REPORT_RECORD_SCHEMA_VERSION, sessionAlertKey, type ReportRecord } from '../domain/reports/report-record';
import type { ReportTemplate } from '../domain/reports/template';
import type { DebugSession } from '../domain/sessions/session';
import type { AuditLog } from '../ports/audit-log';
import type { BlobLink, BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import { newEvent } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ReportStore } from '../ports/report-store';
import type { ScreenshotStore } from '../ports/screenshot-store';
import type { SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';
import type { TelemetryStore } from '../ports/telemetry-store';
import { readSessionItems } from './session-reading';
import { accessDetails, auditedRead, readAuditRecord } from './audit-service';
import { getSession } from './session-service';

export interface ReportServiceDependencies {
  sessions: SessionStore;
  telemetryStore: TelemetryStore;
  screenshots: ScreenshotStore;
  reports: ReportStore;
  blobs: BlobStore;
  audit: AuditLog;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  template: ReportTemplate;
  masking: MaskingEngine;
  fieldPolicy: FieldPolicy;
  linkValidForInMs: number;
  publicBaseUrl: string;
}

export const REPORTS_PER_CALLER_PER_MINUTE = 6;

export interface ReportLinks {
  json: { url: string; expiresAt: string };
  html: { url: string; expiresAt: string };
}

export interface GeneratedReport {
  record: ReportRecord;
  links: ReportLinks;
  expiryNotice: string;
  report: DiagnosticReport;
}

async function confirmedScreenshots(
  deps: ReportServiceDependencies,
  sessionId: string,
  max: number,
): Promise<Array<{ view: ReportScreenshot; blobName: string; contentType: string }>> {
  const found: Array<{ view: ReportScreenshot; blobName: string; contentType: string }> = [];
  let token: string | undefined;
  do {
    const page = await deps.screenshots.list(sessionId, { maxItems: 100, continuationToken: token });
    for (const doc of page.items) {
      if (doc.status !== 'confirmed') continue;
      found.push({
        blobName: doc.blobName,
        contentType: doc.contentType,
        view: {
          id: doc.id,
          capturedAt: doc.capturedAt,
          format: doc.format,
          width: doc.width,
          height: doc.height,
          trigger: doc.trigger,
          relatedItemId: doc.relatedItemId,
        },
      });
    }
    token = page.continuationToken;
  } while (token && found.length < max);
  return found;
}

function linkView(link: BlobLink) {
  return { url: link.url, expiresAt: link.expiresOn.toISOString() };
}

export function expiryNotice(expiresAt: string, validForInMs: number): string {
  return `These links expire at ${expiresAt} (${Math.round(validForInMs / 60_000)} minutes after they were issued); ask for fresh ones with GET on the report.`;
}

/** The stable address of a report (the SAS links in it expire): tickets and notifications link here. */
export function reportAddress(publicBaseUrl: string, sessionId: string, reportId: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/api/diagnostics/sessions/${sessionId}/reports/${reportId}`;
}

export async function generateReport(
  deps: ReportServiceDependencies,
  principal: Principal,
  sessionId: string,
  correlationId: string,
): Promise<GeneratedReport> {
  const { session } = await getSession(deps, principal, sessionId);
  // Building a report opens or moves the session's alert: not for viewers, who read reports others built.
  requireEngineer(principal, session.productId);
  const decision = deps.rateLimiter.take(`report:${principal.subject}`, { limit: REPORTS_PER_CALLER_PER_MINUTE, windowInMs: 60_000 });
  if (!decision.allowed) {
    throw new AppError('rate_limited', `At most ${REPORTS_PER_CALLER_PER_MINUTE} reports per minute`, { retryAfterSeconds: decision.retryAfterSeconds });
  }
  const started = performance.now();
  try {
    const generated = await buildAndStore(deps, principal, session, correlationId, started);
    deps.telemetry.metric('debug.report.generate_ms', performance.now() - started, { format: 'json+html' });
    return generated;
  } catch (error) {
    deps.telemetry.metric('debug.report.failure_total', 1, { reason: error instanceof AppError ? error.kind : 'internal' });
    throw error;
  }
}

async function buildAndStore(
  deps: ReportServiceDependencies,
  principal: Principal,
  session: DebugSession,
  correlationId: string,
  started: number,
): Promise<GeneratedReport> {
  const template = deps.template;
  const key = { productId: session.productId, sessionId: session.id };
  const [items, screenshots] = await Promise.all([
    readSessionItems(deps.telemetryStore, key, template.read),
    template.sections.screenshots.enabled ? confirmedScreenshots(deps, session.id, template.sections.screenshots.maxScreenshots) : Promise.resolve([]),
  ]);
  const now = deps.clock.now();
  const reportId = `rp_${randomUUID()}`;
  const built = buildReport({
    reportId,
    generatedAt: now,
    template,
    session,
    logs: items.logs,
    spans: items.spans,
    screenshots: screenshots.map((shot) => shot.view),
    truncated: items.truncated,
  });

  // The final pass runs before our own links go in: SAS signatures are not customer content.
  const engine = deps.masking;
  const masked = maskReport(built, engine);
  if (masked.violations > 0) deps.telemetry.metric('debug.masking.violation_total', masked.violations, { channel: 'report' });
  const html = maskRenderedText(renderReportHtml(masked.value), engine);
  if (html.violations > 0) deps.telemetry.metric('debug.masking.violation_total', html.violations, { channel: 'report_html' });

  const linkValidity = { validForInMs: deps.linkValidForInMs };
  const screenshotLinks = await Promise.all(
    screenshots.map((shot) => deps.blobs.createReadLink('screenshots', shot.blobName, { ...linkValidity, contentType: shot.contentType })),
  );
  const report: DiagnosticReport = masked.value.screenshots
    ? {
        ...masked.value,
        screenshots: masked.value.screenshots.map((shot) => {
          const index = screenshots.findIndex((candidate) => candidate.view.id === shot.id);
          const link = screenshotLinks[index];
          return link ? { ...shot, readUrl: link.url, readUrlExpiresAt: link.expiresOn.toISOString() } : shot;
        }),
      }
    : masked.value;
  const page = injectScreenshotLinks(html.value, report);

  const base = `${session.productId}/${session.id}/${reportId}`;
  const jsonBytes = Buffer.from(JSON.stringify(report));
  const htmlBytes = Buffer.from(page);
  await Promise.all([
    deps.blobs.upload('reports', `${base}.json`, jsonBytes, { contentType: 'application/json; charset=utf-8' }),
    deps.blobs.upload('reports', `${base}.html`, htmlBytes, { contentType: 'text/html; charset=utf-8' }),
  ]);
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  const shown = view.apply('report', report);
  const viewBlobs = await storedView(deps, { json: `${base}.json`, html: `${base}.html` }, view, async () => shown);

  const alertKey = sessionAlertKey(session.productId, session.id);
  const record: ReportRecord = {
    id: reportId,
    docType: 'report',
    schemaVersion: REPORT_RECORD_SCHEMA_VERSION,
    sessionId: session.id,
    productId: session.productId,
    createdBy: principal.subject,
    createdAt: now.toISOString(),
    template: { name: template.name, version: template.version },
    blobs: { json: `${base}.json`, html: `${base}.html` },
    sizes: { jsonBytes: jsonBytes.length, htmlBytes: htmlBytes.length },
    generateMs: Math.round(performance.now() - started),
    counts: { ...(report.summary?.counts ?? {}) },
    alertKey,
    maskingViolations: masked.violations + html.violations,
  };
  await deps.reports.createReport(record);
  await ensureAlert(deps, session.productId, session.id, reportId);

  const auditId = `au_${randomUUID()}`;
  const auditRecord = {
    id: auditId,
    productId: session.productId,
    at: now.toISOString(),
    actor: { kind: 'user' as const, id: principal.subject },
    action: 'report.generated',
    sessionId: session.id,
    details: { reportId, template: template.name, counts: record.counts, ...accessDetails(view.summary()) },
    correlationId,
  };
  await deps.audit.record(auditRecord);
  const counts = report.summary?.counts;
  const event = newEvent('diagnostics.report.generated', {
    productId: session.productId,
    sessionId: session.id,
    correlationId,
    time: now,
    payload: {
      alertKey,
      reportId,
      format: 'json+html',
      reportUrl: reportAddress(deps.publicBaseUrl, session.id, reportId),
      title: `${template.title}: ${session.id}`,
      summary: counts
        ? `${counts.errorGroups} error group(s), ${counts.failingRequests} failing request(s), ${counts.failingTraces} failing trace(s)`
        : undefined,
      createdBy: principal.subject,
      actor: auditRecord.actor,
      audit: auditRecord,
      stats: counts,
    },
  });
  // An outbox failure fails the request rather than losing the event; the client retries.
  await deps.events.publish([event]);
  const links = await readLinks(deps, viewBlobs);
  return { record, links, expiryNotice: expiryNotice(links.html.expiresAt, deps.linkValidForInMs), report: shown };
}

async function readLinks(deps: ReportServiceDependencies, blobs: { json: string; html: string }): Promise<ReportLinks> {
  const validity = { validForInMs: deps.linkValidForInMs };
  const [json, html] = await Promise.all([
    deps.blobs.createReadLink('reports', blobs.json, { ...validity, contentType: 'application/json; charset=utf-8' }),
    deps.blobs.createReadLink('reports', blobs.html, { ...validity, contentType: 'text/html; charset=utf-8' }),
  ]);
  return { json: linkView(json), html: linkView(html) };
}

/**
 * The blobs this reader's links point at: the stored report itself when the reader's roles withhold nothing of it,
 * else a view (JSON and HTML) rendered from it with the restricted fields withheld, named by the set of rules that
 * withhold, so readers with the same view share it and no link ever reaches the whole report.
 */
async function storedView(
  deps: ReportServiceDependencies,
  stored: { json: string; html: string },
  view: FieldAccessView,
  shownReport: () => Promise<DiagnosticReport>,
): Promise<{ json: string; html: string }> {
  if (!view.withholds(['report'])) return stored;
  const report = await shownReport();
  const key = createHash('sha256')
    .update(JSON.stringify(view.withheldRules(['report'])))
    .digest('hex')
    .slice(0, 16);
  const base = stored.json.replace(/\.json$/, '');
  const names = { json: `${base}.view-${key}.json`, html: `${base}.view-${key}.html` };
  const html = maskRenderedText(renderReportHtml(report), deps.masking);
  if (html.violations > 0) deps.telemetry.metric('debug.masking.violation_total', html.violations, { channel: 'report_html' });
  await Promise.all([
    deps.blobs.upload('reports', names.json, Buffer.from(JSON.stringify(report)), { contentType: 'application/json; charset=utf-8' }),
    deps.blobs.upload('reports', names.html, Buffer.from(html.value), { contentType: 'text/html; charset=utf-8' }),
  ]);
  return names;
}

/** The largest stored report a view is rendered from (the template's limits keep reports far below it). */
const MAX_REPORT_VIEW_BYTES = 64 * 1024 * 1024;

/** The HTML was masked without our links; they are written in afterwards, escaped. */
function injectScreenshotLinks(html: string, report: DiagnosticReport): string {
  let page = html;
  for (const shot of report.screenshots ?? []) {
    if (!shot.readUrl) continue;
    const escaped = shot.readUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    // A function replacement: `$` sequences in a URL must not be read as replacement patterns.
    page = page.replace(`data-screenshot="${shot.id}"`, () => `href="${escaped}" data-screenshot="${shot.id}"`);
  }
  return page;
}

/** A session's alert opens with its first report; later reports only point it at the newest one. */
async function ensureAlert(deps: ReportServiceDependencies, productId: string, sessionId: string, reportId: string): Promise<void> {
  const existing = await deps.reports.getAlert(sessionId);
  if (existing) {
    try {
      await deps.reports.replaceAlert({ ...existing.alert, lastReportId: reportId, updatedAt: deps.clock.now().toISOString() }, existing.etag);
    } catch (error) {
      // A concurrent regression run moved the alert; its state wins, the pointer is cosmetic.
      if (!(error instanceof AppError) || error.kind !== 'precondition_failed') throw error;
    }
    return;
  }
  try {
    await deps.reports.createAlert(newAlert(productId, sessionId, deps.clock.now(), reportId));
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'conflict') throw error;
  }
}

/** A stored report with fresh read links, for whoever may read the product's sessions. */
export async function getReport(
  deps: ReportServiceDependencies,
  principal: Principal,
  sessionId: string,
  reportId: string,
  correlationId?: string,
): Promise<{ record: ReportRecord; links: ReportLinks; expiryNotice: string }> {
  const { session } = await getSession(deps, principal, sessionId);
  requireReader(principal, session.productId);
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  // A link hands over the whole view: the record names every restricted field of a report this reader may see.
  const revealable = view.revealable(['report']);
  const access = { sensitive: revealable.length > 0, fieldsRead: revealable, fieldsWithheld: view.withheldRules(['report']) };
  // Who fetched links to whose report is on the audit trail before the links are handed out.
  const record = await auditedRead(deps, readAuditRecord(deps, principal, session, 'report.read', { reportId }, correlationId, access), () =>
    deps.reports.getReport(sessionId, reportId),
  );
  if (!record) throw new AppError('not_found', `Report ${reportId} not found`);
  const blobs = await storedView(deps, record.blobs, view, async () => {
    const stored = diagnosticReportSchema.parse(JSON.parse((await deps.blobs.readHead('reports', record.blobs.json, MAX_REPORT_VIEW_BYTES)).toString('utf8')));
    return view.apply('report', stored);
  });
  const links = await readLinks(deps, blobs);
  return { record, links, expiryNotice: expiryNotice(links.html.expiresAt, deps.linkValidForInMs) };
}
