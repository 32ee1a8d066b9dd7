// Regression closure: CI reports a re-run of a diagnosed problem. A pass resolves the session's alert and a
// fail reopens it; the ticket side closes or reopens the linked ticket from the event. Idempotent per run id.
import { AppError } from '../errors';
import { requireAdmin, type Principal } from '../domain/access/principal';
import type { RegressionRequest } from '../domain/reports/regression';
import { applyRegressionRun, newAlert, type AlertRecord, type RegressionRun } from '../domain/reports/report-record';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import { newEvent, stableEventId } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { ReportStore, VersionedAlert } from '../ports/report-store';
import type { SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';
import { reportAddress } from './report-service';
import { getSession } from './session-service';

export interface RegressionServiceDependencies {
  sessions: SessionStore;
  reports: ReportStore;
  audit: AuditLog;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  publicBaseUrl: string;
}

export interface RegressionOutcome {
  duplicate: boolean;
  alert: { alertKey: string; status: AlertRecord['status']; resolvedAt?: string; lastReportId?: string };
  run: RegressionRun;
}

const WRITE_ATTEMPTS = 5;

async function alertOf(deps: RegressionServiceDependencies, productId: string, sessionId: string): Promise<VersionedAlert> {
  const existing = await deps.reports.getAlert(sessionId);
  if (existing) return existing;
  try {
    return await deps.reports.createAlert(newAlert(productId, sessionId, deps.clock.now()));
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'conflict') throw error;
    const created = await deps.reports.getAlert(sessionId);
    if (!created) throw error;
    return created;
  }
}

/** The same run always announces with the same event id, so re-announcing a retried run is harmless. */

export async function reportRegression(
  deps: RegressionServiceDependencies,
  principal: Principal,
  request: RegressionRequest,
  correlationId: string,
): Promise<RegressionOutcome> {
  let sessionId = request.sessionId;
  if (request.reportId) {
    const record = await deps.reports.findReport(request.reportId);
    if (!record) throw new AppError('not_found', `Report ${request.reportId} not found`);
    sessionId = record.sessionId;
  }
  const session = await getSession(deps, principal, sessionId!).then(
    (found) => found.session,
    (error: unknown) => {
      // A report of another product must look exactly like an unknown one: its session's id is not the caller's to learn.
      if (request.reportId && error instanceof AppError && error.kind === 'not_found') throw new AppError('not_found', `Report ${request.reportId} not found`);
      throw error;
    },
  );
  requireAdmin(principal, session.productId);

  const run: RegressionRun = {
    runId: request.runId,
    commit: request.commit,
    result: request.result,
    link: request.link,
    reportId: request.reportId,
    reportedBy: principal.subject,
    at: deps.clock.now().toISOString(),
  };
  let applied: { alert: AlertRecord; duplicate: boolean } | undefined;
  for (let attempt = 1; !applied; attempt++) {
    const current = await alertOf(deps, session.productId, session.id);
    const next = applyRegressionRun(current.alert, run);
    if (next.duplicate) {
      applied = next;
      break;
    }
    try {
      applied = { alert: (await deps.reports.replaceAlert(next.alert, current.etag)).alert, duplicate: false };
    } catch (error) {
      // A concurrent run moved the alert: apply this one on top of it.
      if (!(error instanceof AppError) || error.kind !== 'precondition_failed' || attempt >= WRITE_ATTEMPTS) throw error;
    }
  }
  const alert = applied.alert;
  const recorded = alert.runs.find((known) => known.runId === run.runId) ?? run;

  const eventId = stableEventId('reg', session.id, recorded.runId);
  // The same record goes into the event, so the audit subscriber upserts this one instead of adding a second.
  const auditRecord = {
    id: `au_${eventId}`,
    productId: session.productId,
    at: recorded.at,
    actor: { kind: 'user' as const, id: recorded.reportedBy },
    action: 'regression.reported',
    sessionId: session.id,
    details: { runId: recorded.runId, commit: recorded.commit, result: recorded.result, alertStatus: alert.status },
    correlationId,
  };
  if (!applied.duplicate) await deps.audit.record(auditRecord);
  // Announced again on a repeated run (same event id): if the first announcement was lost, this one closes the gap.
  const reportId = recorded.reportId ?? alert.lastReportId;
  const event = newEvent('diagnostics.regression.reported', {
    id: eventId,
    productId: session.productId,
    sessionId: session.id,
    correlationId,
    time: new Date(recorded.at),
    payload: {
      alertKey: alert.alertKey,
      result: recorded.result === 'pass' ? 'passed' : 'failed',
      alertStatus: alert.status,
      runId: recorded.runId,
      commit: recorded.commit,
      link: recorded.link,
      reportId,
      reportUrl: reportId ? reportAddress(deps.publicBaseUrl, session.id, reportId) : undefined,
      title: `Regression run ${recorded.runId} ${recorded.result === 'pass' ? 'passed' : 'failed'} at ${recorded.commit}`,
      actor: auditRecord.actor,
      audit: auditRecord,
    },
  });
  // An outbox failure fails the request: the client's retry announces the same event id again.
  await deps.events.publish([event]);
  return {
    duplicate: applied.duplicate,
    alert: { alertKey: alert.alertKey, status: alert.status, resolvedAt: alert.resolvedAt, lastReportId: alert.lastReportId },
    run: recorded,
  };
}
