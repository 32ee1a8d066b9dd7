// Azure DevOps work items REST API 7.1: create and update with JSON Patch (application/json-patch+json),
// a Hyperlink relation to the diagnostics link, tags for product/app/owner, comments via System.History.
import type { TicketDraft, TicketRef, TicketTracker } from '../../ports/ticket-tracker';
import { alertLabel, ticketLabels } from '../../ports/ticket-tracker';
import { deliver, jsonOf } from '../notifications/http-delivery';

export const ADO_API_VERSION = '7.1';

export interface AzureDevOpsOptions {
  organizationUrl: string;
  project: string;
  token: string;
  workItemType: string;
  /** States of the work item type's process; Agile's Bug: Active/Closed. */
  closedState?: string;
  activeState?: string;
  timeoutInMs: number;
}

type PatchOperation = { op: 'add' | 'replace'; path: string; value: unknown };

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export class AzureDevOpsTracker implements TicketTracker {
  readonly provider = 'azure-devops' as const;
  constructor(private readonly options: AzureDevOpsOptions) {}

  private project(): string {
    return `${this.options.organizationUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.options.project)}`;
  }

  private base(): string {
    return `${this.project()}/_apis/wit/workitems`;
  }

  /** Writes take JSON Patch; a WIQL query is plain JSON. */
  private call(method: 'POST' | 'PATCH', url: string, body: PatchOperation[] | { query: string }) {
    return deliver({
      service: 'Azure DevOps',
      method,
      url,
      headers: {
        'content-type': Array.isArray(body) ? 'application/json-patch+json' : 'application/json',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`:${this.options.token}`).toString('base64')}`,
      },
      body: JSON.stringify(body),
      timeoutInMs: this.options.timeoutInMs,
    });
  }

  async create(draft: TicketDraft): Promise<TicketRef> {
    const operations: PatchOperation[] = [
      { op: 'add', path: '/fields/System.Title', value: draft.title.slice(0, 255) },
      {
        op: 'add',
        path: '/fields/System.Description',
        value: `<p>${escapeHtml(draft.body).replace(/\n/g, '<br>')}</p><p>Alert key: ${escapeHtml(draft.alertKey)}</p>`,
      },
      { op: 'add', path: '/fields/System.Tags', value: ticketLabels(draft).join('; ') },
      { op: 'add', path: '/relations/-', value: { rel: 'Hyperlink', url: draft.link, attributes: { comment: 'Diagnostics' } } },
    ];
    const url = `${this.base()}/$${encodeURIComponent(this.options.workItemType)}?api-version=${ADO_API_VERSION}`;
    const item = jsonOf<{ id: number; _links?: { html?: { href?: string } }; url: string }>(await this.call('POST', url, operations), 'Azure DevOps');
    return { provider: 'azure-devops', id: String(item.id), url: item._links?.html?.href ?? item.url };
  }

  async findByAlertKey(alertKey: string): Promise<TicketRef | undefined> {
    const query = `SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS '${alertLabel(alertKey)}' ORDER BY [System.Id]`;
    const result = await this.call('POST', `${this.project()}/_apis/wit/wiql?api-version=${ADO_API_VERSION}`, { query });
    const item = jsonOf<{ workItems?: Array<{ id: number }> }>(result, 'Azure DevOps').workItems?.[0];
    return item ? { provider: 'azure-devops', id: String(item.id), url: `${this.project()}/_workitems/edit/${item.id}` } : undefined;
  }

  private update(ticket: TicketRef, operations: PatchOperation[]) {
    return this.call('PATCH', `${this.base()}/${encodeURIComponent(ticket.id)}?api-version=${ADO_API_VERSION}`, operations);
  }

  async comment(ticket: TicketRef, text: string): Promise<void> {
    await this.update(ticket, [{ op: 'add', path: '/fields/System.History', value: escapeHtml(text) }]);
  }

  async close(ticket: TicketRef, comment: string): Promise<void> {
    await this.update(ticket, [
      { op: 'add', path: '/fields/System.State', value: this.options.closedState ?? 'Closed' },
      { op: 'add', path: '/fields/System.History', value: escapeHtml(comment) },
    ]);
  }

  async reopen(ticket: TicketRef, comment: string): Promise<void> {
    await this.update(ticket, [
      { op: 'add', path: '/fields/System.State', value: this.options.activeState ?? 'Active' },
      { op: 'add', path: '/fields/System.History', value: escapeHtml(comment) },
    ]);
  }
}
