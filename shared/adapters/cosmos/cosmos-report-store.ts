// Report records and alerts in Cosmos (`debug_reports`, pk /sessionId): point reads within the session's partition.
import type { Container } from '@azure/cosmos';
import { alertRecordId, alertRecordSchema, reportRecordSchema, type AlertRecord, type ReportRecord } from '../../domain/reports/report-record';
import type { ReportStore, VersionedAlert } from '../../ports/report-store';
import { isCosmosStatus, toAppError } from './cosmos-errors';

function versioned(resource: (AlertRecord & { _etag?: string }) | undefined, etag: string | undefined): VersionedAlert {
  if (!resource) throw new Error('Cosmos returned no resource');
  return { alert: alertRecordSchema.parse(resource), etag: etag ?? resource._etag ?? '' };
}

export class CosmosReportStore implements ReportStore {
  constructor(private readonly container: Container) {}

  async createReport(record: ReportRecord): Promise<void> {
    try {
      await this.container.items.create(record);
    } catch (error) {
      throw toAppError(error, `Report ${record.id}`);
    }
  }

  async getReport(sessionId: string, reportId: string): Promise<ReportRecord | undefined> {
    try {
      const response = await this.container.item(reportId, sessionId).read<ReportRecord>();
      return response.resource ? reportRecordSchema.parse(response.resource) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Report ${reportId}`);
    }
  }

  async findReport(reportId: string): Promise<ReportRecord | undefined> {
    try {
      const { resources } = await this.container.items
        .query<ReportRecord>({ query: "SELECT * FROM c WHERE c.id = @id AND c.docType = 'report'", parameters: [{ name: '@id', value: reportId }] })
        .fetchAll();
      return resources[0] ? reportRecordSchema.parse(resources[0]) : undefined;
    } catch (error) {
      throw toAppError(error, `Report ${reportId}`);
    }
  }

  async getAlert(sessionId: string): Promise<VersionedAlert | undefined> {
    try {
      const response = await this.container.item(alertRecordId(sessionId), sessionId).read<AlertRecord & { _etag?: string }>();
      return response.resource ? versioned(response.resource, response.etag) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Alert of ${sessionId}`);
    }
  }

  async createAlert(alert: AlertRecord): Promise<VersionedAlert> {
    try {
      const response = await this.container.items.create(alert);
      return versioned(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, `Alert of ${alert.sessionId}`);
    }
  }

  async replaceAlert(alert: AlertRecord, ifMatch: string): Promise<VersionedAlert> {
    try {
      const response = await this.container.item(alert.id, alert.sessionId).replace(alert, { accessCondition: { type: 'IfMatch', condition: ifMatch } });
      return versioned(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, `Alert of ${alert.sessionId}`);
    }
  }
}
