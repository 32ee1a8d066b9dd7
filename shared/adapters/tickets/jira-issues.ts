// Jira Cloud REST API v3: POST /rest/api/3/issue (description in Atlassian Document Format), comments,
// and status changes through the issue's transitions (done / to-do category), with basic auth (email:API token).
import { AppError } from '../../errors';
import type { TicketDraft, TicketRef, TicketTracker } from '../../ports/ticket-tracker';
import { alertLabel, ticketLabels } from '../../ports/ticket-tracker';
import { deliver, jsonOf } from '../notifications/http-delivery';

export interface JiraOptions {
  baseUrl: string;
  email: string;
  apiToken: string;
  projectKey: string;
  issueType: string;
  timeoutInMs: number;
}

/** A minimal ADF document: one paragraph per line, links as link marks. */
export function adfDocument(text: string, link?: string): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ({ type: 'paragraph', content: [{ type: 'text', text: line }] }));
  if (link) content.push({ type: 'paragraph', content: [{ type: 'text', text: 'Open in diagnostics', marks: [{ type: 'link', attrs: { href: link } }] }] });
  return { type: 'doc', version: 1, content };
}

interface Transition {
  id: string;
  name: string;
  to: { name: string; statusCategory: { key: string } };
}

export class JiraTracker implements TicketTracker {
  readonly provider = 'jira' as const;
  constructor(private readonly options: JiraOptions) {}

  private call(method: 'GET' | 'POST', path: string, body?: unknown) {
    return deliver({
      service: 'Jira',
      method,
      url: `${this.options.baseUrl.replace(/\/+$/, '')}/rest/api/3${path}`,
      headers: {
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${this.options.email}:${this.options.apiToken}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutInMs: this.options.timeoutInMs,
    });
  }

  private ref(key: string): TicketRef {
    return { provider: 'jira', id: key, url: `${this.options.baseUrl.replace(/\/+$/, '')}/browse/${key}` };
  }

  async create(draft: TicketDraft): Promise<TicketRef> {
    const result = await this.call('POST', '/issue', {
      fields: {
        project: { key: this.options.projectKey },
        issuetype: { name: this.options.issueType },
        summary: draft.title.slice(0, 255),
        // Jira labels cannot contain spaces.
        labels: ticketLabels(draft).map((label) => label.replace(/\s+/g, '_')),
        description: adfDocument(`${draft.body}\nAlert key: ${draft.alertKey}`, draft.link),
      },
    });
    const issue = jsonOf<{ id: string; key: string }>(result, 'Jira');
    return this.ref(issue.key);
  }

  async findByAlertKey(alertKey: string): Promise<TicketRef | undefined> {
    const result = await this.call('POST', '/search/jql', {
      jql: `project = "${this.options.projectKey}" AND labels = "${alertLabel(alertKey)}" ORDER BY created ASC`,
      fields: ['key'],
      maxResults: 1,
    });
    const issue = jsonOf<{ issues?: Array<{ key: string }> }>(result, 'Jira').issues?.[0];
    return issue ? this.ref(issue.key) : undefined;
  }

  async comment(ticket: TicketRef, text: string): Promise<void> {
    await this.call('POST', `/issue/${encodeURIComponent(ticket.id)}/comment`, { body: adfDocument(text) });
  }

  private async transitionTo(ticket: TicketRef, categories: string[]): Promise<void> {
    const result = await this.call('GET', `/issue/${encodeURIComponent(ticket.id)}/transitions`);
    const { transitions } = jsonOf<{ transitions: Transition[] }>(result, 'Jira');
    const target = transitions.find((transition) => categories.includes(transition.to.statusCategory.key));
    if (!target) throw new AppError('internal', `Jira offers no transition to ${categories.join('/')} for ${ticket.id}`, { retryable: false });
    await this.call('POST', `/issue/${encodeURIComponent(ticket.id)}/transitions`, { transition: { id: target.id } });
  }

  async close(ticket: TicketRef, comment: string): Promise<void> {
    await this.comment(ticket, comment);
    await this.transitionTo(ticket, ['done']);
  }

  async reopen(ticket: TicketRef, comment: string): Promise<void> {
    await this.transitionTo(ticket, ['new', 'indeterminate']);
    await this.comment(ticket, comment);
  }
}
