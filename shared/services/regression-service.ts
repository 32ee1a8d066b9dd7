// Regression closure: CI reports a re-run of a diagnosed problem. A pass resolves the session's alert and a
// fail reopens it; the ticket side closes or reopens the linked ticket from the event. Idempotent per run id.
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { requireAdmin, type Principal } from '../domain/access/principal';
import type { RegressionRequest } from '../domain/reports/regression';
import { applyRegressionRun, newAlert, type AlertRecord, type RegressionRun } from '../domain/reports/report-record';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import { newEvent, type EventPublisher } from '../ports/event-publisher';
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
function eventIdOf(sessionId: string, runId: string): string {
  return `ev_reg_${createHash('sha256').update(`${sessionId}\n${runId}`).digest('hex').slice(0, 32)}`;
}

export async function reportRegression(deps: RegressionServiceDependencies, principal: Principal, request: RegressionRequest, correlationId: string): Promise<RegressionOutcome> {
  let sessionId = request.sessionId;
  if (request.reportId) {
    const record = await deps.reports.findReport(request.reportId);
    if (!record) throw new AppError('not_found', `Report ${request.reportId} not found`);
    sessionId = record.sessionId;
  }
  const { session } = await getSession(deps, principal, sessionId!);
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

  if (!applied.duplicate) {
    await deps.audit.record({
      id: `au_${randomUUID()}`,
      productId: session.productId,
      at: recorded.at,
      actor: { kind: 'user', id: principal.subject },
      action: 'regression.reported',
      sessionId: session.id,
      details: { runId: recorded.runId, commit: recorded.commit, result: recorded.result, alertStatus: alert.status },
      correlationId,
    });
  }
  // Announced again on a repeated run (same event id): if the first announcement was lost, this one closes the gap.
  const reportId = recorded.reportId ?? alert.lastReportId;
  const event = {
    ...newEvent('diagnostics.regression.reported', {
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
        actor: { kind: 'user', id: recorded.reportedBy },
      },
    }),
    id: eventIdOf(session.id, recorded.runId),
  };
  try {
    await deps.events.publish([event]);
  } catch {
    deps.telemetry.metric('event.publish_failure_total', 1, { type: event.type });
  }
  return {
    duplicate: applied.duplicate,
    alert: { alertKey: alert.alertKey, status: alert.status, resolvedAt: alert.resolvedAt, lastReportId: alert.lastReportId },
    run: recorded,
  };
}
