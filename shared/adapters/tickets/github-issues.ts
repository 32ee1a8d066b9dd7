// GitHub Issues REST API: POST /repos/{owner}/{repo}/issues, comments, PATCH state (closed/open), and the
// repository's issue list filtered by label to find a ticket again.
import type { TicketDraft, TicketRef, TicketTracker } from '../../ports/ticket-tracker';
import { alertLabel, ticketLabels } from '../../ports/ticket-tracker';
import { deliver, jsonOf } from '../notifications/http-delivery';

export interface GitHubOptions {
  apiUrl: string;
  /** owner/name */
  repository: string;
  token: string;
  timeoutInMs: number;
}

export class GitHubIssuesTracker implements TicketTracker {
  readonly provider = 'github' as const;
  constructor(private readonly options: GitHubOptions) {}

  private async call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
    return deliver({
      service: 'GitHub',
      method,
      url: `${this.options.apiUrl.replace(/\/+$/, '')}/repos/${this.options.repository}${path}`,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.options.token}`,
        'x-github-api-version': '2022-11-28',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        'user-agent': 'remote-diagnostics',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutInMs: this.options.timeoutInMs,
    });
  }

  async create(draft: TicketDraft): Promise<TicketRef> {
    const body = `${draft.body}\n\n[Open in diagnostics](${draft.link})\n\n<!-- alert-key: ${draft.alertKey} -->`;
    const result = await this.call('POST', '/issues', { title: draft.title.slice(0, 256), body, labels: ticketLabels(draft) });
    const issue = jsonOf<{ number: number; html_url: string }>(result, 'GitHub');
    return { provider: 'github', id: String(issue.number), url: issue.html_url };
  }

  async findByAlertKey(alertKey: string): Promise<TicketRef | undefined> {
    // The issue list (not the search API, whose index lags) with pull requests filtered out.
    const result = await this.call('GET', `/issues?labels=${encodeURIComponent(alertLabel(alertKey))}&state=all&per_page=10`);
    const issue = jsonOf<Array<{ number: number; html_url: string; pull_request?: unknown }>>(result, 'GitHub').find((found) => !found.pull_request);
    return issue ? { provider: 'github', id: String(issue.number), url: issue.html_url } : undefined;
  }

  async comment(ticket: TicketRef, text: string): Promise<void> {
    await this.call('POST', `/issues/${ticket.id}/comments`, { body: text });
  }

  async close(ticket: TicketRef, comment: string): Promise<void> {
    await this.comment(ticket, comment);
    await this.call('PATCH', `/issues/${ticket.id}`, { state: 'closed', state_reason: 'completed' });
  }

  async reopen(ticket: TicketRef, comment: string): Promise<void> {
    await this.call('PATCH', `/issues/${ticket.id}`, { state: 'open' });
    await this.comment(ticket, comment);
  }
}
