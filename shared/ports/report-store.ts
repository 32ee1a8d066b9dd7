// Report records and per-session alerts in `debug_reports` (pk /sessionId).
import type { AlertRecord, ReportRecord } from '../domain/reports/report-record';

export interface VersionedAlert {
  alert: AlertRecord;
  etag: string;
}

export interface ReportStore {
  createReport(record: ReportRecord): Promise<void>;
  getReport(sessionId: string, reportId: string): Promise<ReportRecord | undefined>;
  /** Looks a report up by id alone (CI knows only the report id): a cross-partition point query. */
  findReport(reportId: string): Promise<ReportRecord | undefined>;
  getAlert(sessionId: string): Promise<VersionedAlert | undefined>;
  /** Fails with `conflict` if the session already has one. */
  createAlert(alert: AlertRecord): Promise<VersionedAlert>;
  /** Replaces only if the stored etag still equals `ifMatch`; otherwise `precondition_failed`. */
  replaceAlert(alert: AlertRecord, ifMatch: string): Promise<VersionedAlert>;
}
