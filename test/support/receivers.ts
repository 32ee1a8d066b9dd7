// Real HTTP listeners on 127.0.0.1 standing in for Slack, Teams, PagerDuty, a signed webhook, Azure Communication
// Services email, GitHub, Jira and Azure DevOps. Each checks what its service documents (method, path, headers,
// body shape, signatures) and answers as the service does, so an adapter that drifts from the real API fails here.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  service: string;
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: Record<string, string>;
  body: string;
  json: any;
  /** The status this receiver answered. */
  status: number;
}

export interface ReceiverSecrets {
  webhookSecret: string;
  /** base64, as an ACS connection string carries it */
  acsAccessKey: string;
  pagerDutyRoutingKey: string;
  githubToken: string;
  jiraEmail: string;
  jiraToken: string;
  adoToken: string;
}

export const receiverSecrets: ReceiverSecrets = {
  webhookSecret: 'test-webhook-secret-0123456789abcdef',
  acsAccessKey: Buffer.from('test-acs-access-key-0123456789abcdef').toString('base64'),
  pagerDutyRoutingKey: 'R0123456789ABCDEF0123456789ABCDE',
  githubToken: 'ghp_test_token',
  jiraEmail: 'bot@example.com',
  jiraToken: 'jira-test-token',
  adoToken: 'ado-test-pat',
};

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

interface Issue {
  number: number;
  state: 'open' | 'closed';
  title: string;
  labels: string[];
  comments: string[];
}

export class Receivers {
  readonly requests: ReceivedRequest[] = [];
  /** Scripted failures: the next N requests to a service get this reply instead. */
  private readonly failures = new Map<string, Reply[]>();
  readonly github = new Map<number, Issue>();
  readonly jira = new Map<string, { status: 'To Do' | 'Done'; summary: string; labels: string[]; comments: number }>();
  readonly ado = new Map<number, { state: string; fields: Record<string, unknown> }>();
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  failNext(service: string, ...replies: Reply[]): void {
    this.failures.set(service, [...(this.failures.get(service) ?? []), ...replies]);
  }

  of(service: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.service === service);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[key] = value;
    let json: any;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const url = request.url ?? '/';
    // ACS is addressed as {endpoint}/emails:send (the endpoint may have a path); the others by a path prefix.
    const service = /(^|\/)emails:send$/.test(url.split('?')[0]!) ? 'acs' : (url.split('/')[1] ?? '');
    const received: ReceivedRequest = { service, method: request.method ?? '', url, headers, body, json, status: 0 };
    this.requests.push(received);
    const scripted = this.failures.get(service)?.shift();
    const reply = scripted ?? this.answer(received);
    received.status = reply.status;
    const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    response.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers });
    response.end(text);
  }

  private answer(request: ReceivedRequest): Reply {
    const isJson = request.headers['content-type']?.startsWith('application/json');
    switch (request.service) {
      case 'slack':
        // Slack incoming webhooks: 200 "ok", or 400 "invalid_payload" / "no_text".
        if (request.method !== 'POST' || !isJson || request.json === undefined) return { status: 400, body: 'invalid_payload' };
        if (typeof request.json.text !== 'string' && !Array.isArray(request.json.blocks)) return { status: 400, body: 'no_text' };
        return { status: 200, body: 'ok' };
      case 'teams': {
        const attachment = request.json?.attachments?.[0];
        const valid =
          request.method === 'POST' &&
          request.json?.type === 'message' &&
          attachment?.contentType === 'application/vnd.microsoft.card.adaptive' &&
          attachment?.content?.type === 'AdaptiveCard';
        return valid ? { status: 202 } : { status: 400, body: { error: { code: 'InvalidRequestContent' } } };
      }
      case 'v2': {
        // PagerDuty Events API v2 at /v2/enqueue.
        const event = request.json;
        const errors: string[] = [];
        if (request.url !== '/v2/enqueue' || request.method !== 'POST') errors.push('wrong endpoint');
        if (typeof event?.routing_key !== 'string' || event.routing_key.length !== 32) errors.push("'routing_key' is invalid");
        if (!['trigger', 'acknowledge', 'resolve'].includes(event?.event_action)) errors.push("'event_action' is invalid");
        if (event?.event_action === 'trigger') {
          if (typeof event.payload?.summary !== 'string' || event.payload.summary.length > 1024) errors.push("'payload.summary' is missing or too long");
          if (typeof event.payload?.source !== 'string') errors.push("'payload.source' is missing");
          if (!['critical', 'error', 'warning', 'info'].includes(event.payload?.severity)) errors.push("'payload.severity' is invalid");
        } else if (typeof event?.dedup_key !== 'string') errors.push("'dedup_key' is required");
        if (errors.length) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
        return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key } };
      }
      case 'hook': {
        const timestamp = request.headers['x-signature-timestamp'] ?? '';
        const expected = `sha256=${createHmac('sha256', receiverSecrets.webhookSecret).update(`${timestamp}.${request.body}`).digest('hex')}`;
        return request.headers['x-signature'] === expected ? { status: 204 } : { status: 401, body: 'bad signature' };
      }
      case 'acs':
        return this.acs(request);
      case 'github':
        return this.githubApi(request);
      case 'jira':
        return this.jiraApi(request);
      case 'ado':
        return this.adoApi(request);
      default:
        return { status: 404, body: 'no such receiver' };
    }
  }

  /** ACS: recompute the documented HMAC-SHA256 signature and refuse anything that does not match. */
  private acs(request: ReceivedRequest): Reply {
    const contentHash = createHash('sha256').update(request.body).digest('base64');
    if (request.headers['x-ms-content-sha256'] !== contentHash) return { status: 401, body: { error: { code: 'Denied', message: 'content hash' } } };
    const stringToSign = `POST\n${request.url}\n${request.headers['x-ms-date']};${request.headers.host};${contentHash}`;
    const signature = createHmac('sha256', Buffer.from(receiverSecrets.acsAccessKey, 'base64')).update(stringToSign).digest('base64');
    if (request.headers.authorization !== `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`) {
      return { status: 401, body: { error: { code: 'Denied', message: 'signature' } } };
    }
    const message = request.json;
    if (!message?.senderAddress || !message?.content?.subject || !Array.isArray(message?.recipients?.to) || message.recipients.to.length === 0) {
      return { status: 400, body: { error: { code: 'BadRequest' } } };
    }
    const id = createHash('sha256').update(request.body).digest('hex').slice(0, 32);
    return {
      status: 202,
      body: { id, status: 'Running', error: null },
      headers: { 'operation-location': `${this.url}/emails/operations/${id}?api-version=2023-03-31` },
    };
  }

  private githubApi(request: ReceivedRequest): Reply {
    if (request.headers.authorization !== `Bearer ${receiverSecrets.githubToken}`) return { status: 401, body: { message: 'Bad credentials' } };
    if (request.headers.accept !== 'application/vnd.github+json' || request.headers['x-github-api-version'] !== '2022-11-28')
      return { status: 415, body: { message: 'headers' } };
    const path = request.url.replace(/^\/github/, '');
    const listed = /^\/repos\/acme\/app\/issues\?(.*)$/.exec(path);
    if (listed && request.method === 'GET') {
      // The documented list: `labels` (comma-separated, all required), `state` open|closed|all, newest first.
      const query = new URLSearchParams(listed[1]);
      const wanted = (query.get('labels') ?? '').split(',').filter(Boolean);
      const state = query.get('state') ?? 'open';
      const issues = [...this.github.values()]
        .filter((issue) => wanted.every((label) => issue.labels.includes(label)) && (state === 'all' || issue.state === state))
        .reverse()
        .map((issue) => ({
          number: issue.number,
          html_url: `https://github.com/acme/app/issues/${issue.number}`,
          state: issue.state,
          labels: issue.labels.map((name) => ({ name })),
        }));
      return { status: 200, body: issues };
    }
    const create = /^\/repos\/acme\/app\/issues$/.exec(path);
    if (create && request.method === 'POST') {
      if (typeof request.json?.title !== 'string' || !Array.isArray(request.json?.labels)) return { status: 422, body: { message: 'Validation Failed' } };
      const number = this.github.size + 1;
      this.github.set(number, { number, state: 'open', title: request.json.title, labels: request.json.labels, comments: [] });
      return { status: 201, body: { number, html_url: `https://github.com/acme/app/issues/${number}`, state: 'open' } };
    }
    const comment = /^\/repos\/acme\/app\/issues\/(\d+)\/comments$/.exec(path);
    const issue = this.github.get(Number((comment ?? /^\/repos\/acme\/app\/issues\/(\d+)$/.exec(path))?.[1]));
    if (!issue) return { status: 404, body: { message: 'Not Found' } };
    if (comment && request.method === 'POST' && typeof request.json?.body === 'string') {
      issue.comments.push(request.json.body);
      return { status: 201, body: { id: issue.comments.length } };
    }
    if (!comment && request.method === 'PATCH' && ['open', 'closed'].includes(request.json?.state)) {
      issue.state = request.json.state;
      return { status: 200, body: { number: issue.number, state: issue.state } };
    }
    return { status: 422, body: { message: 'Validation Failed' } };
  }

  private jiraApi(request: ReceivedRequest): Reply {
    const basic = `Basic ${Buffer.from(`${receiverSecrets.jiraEmail}:${receiverSecrets.jiraToken}`).toString('base64')}`;
    if (request.headers.authorization !== basic) return { status: 401, body: { errorMessages: ['unauthorized'] } };
    const path = request.url.replace(/^\/jira/, '');
    const isDoc = (value: any) => value?.type === 'doc' && value?.version === 1 && Array.isArray(value?.content);
    if (path === '/rest/api/3/issue' && request.method === 'POST') {
      const fields = request.json?.fields;
      if (!fields?.project?.key || !fields?.issuetype?.name || typeof fields?.summary !== 'string' || !isDoc(fields?.description))
        return { status: 400, body: { errors: { fields: 'invalid' } } };
      if ((fields.labels ?? []).some((label: string) => /\s/.test(label))) return { status: 400, body: { errors: { labels: 'no spaces' } } };
      const key = `${fields.project.key}-${this.jira.size + 1}`;
      this.jira.set(key, { status: 'To Do', summary: fields.summary, labels: fields.labels ?? [], comments: 0 });
      return { status: 201, body: { id: String(10_000 + this.jira.size), key, self: `${this.url}/jira/rest/api/3/issue/${key}` } };
    }
    if (path === '/rest/api/3/search/jql' && request.method === 'POST') {
      // Only the JQL this app sends: project = "KEY" AND labels = "label" [ORDER BY …].
      const jql = /^project = "([A-Z]+)" AND labels = "([^"\s]+)"(?: ORDER BY created ASC)?$/.exec(request.json?.jql ?? '');
      if (!jql || !Array.isArray(request.json?.fields)) return { status: 400, body: { errorMessages: ['unsupported JQL'] } };
      const issues = [...this.jira.entries()]
        .filter(([key, issue]) => key.startsWith(`${jql[1]}-`) && issue.labels.includes(jql[2]!))
        .slice(0, request.json.maxResults ?? 50)
        .map(([key], index) => ({ id: String(10_001 + index), key }));
      return { status: 200, body: { issues, isLast: true } };
    }
    const match = /^\/rest\/api\/3\/issue\/([A-Z]+-\d+)\/(comment|transitions)$/.exec(path);
    const issue = this.jira.get(match?.[1] ?? '');
    if (!match || !issue) return { status: 404, body: { errorMessages: ['Issue does not exist'] } };
    if (match[2] === 'comment' && request.method === 'POST') {
      if (!isDoc(request.json?.body)) return { status: 400, body: { errors: { comment: 'ADF required' } } };
      issue.comments++;
      return { status: 201, body: { id: String(issue.comments) } };
    }
    if (match[2] === 'transitions' && request.method === 'GET') {
      return {
        status: 200,
        body: {
          transitions: [
            { id: '11', name: 'To Do', to: { name: 'To Do', statusCategory: { key: 'new' } } },
            { id: '31', name: 'Done', to: { name: 'Done', statusCategory: { key: 'done' } } },
          ],
        },
      };
    }
    if (match[2] === 'transitions' && request.method === 'POST') {
      const id = request.json?.transition?.id;
      if (id !== '11' && id !== '31') return { status: 400, body: { errorMessages: ['invalid transition'] } };
      issue.status = id === '31' ? 'Done' : 'To Do';
      return { status: 204 };
    }
    return { status: 405 };
  }

  private adoApi(request: ReceivedRequest): Reply {
    if (request.headers.authorization !== `Basic ${Buffer.from(`:${receiverSecrets.adoToken}`).toString('base64')}`) return { status: 401 };
    const wiql = new URL(request.url, this.url);
    if (wiql.pathname === '/ado/contoso/Diagnostics/_apis/wit/wiql' && request.method === 'POST') {
      if (wiql.searchParams.get('api-version') !== '7.1') return { status: 400, body: { message: 'api-version' } };
      if (request.headers['content-type'] !== 'application/json') return { status: 415, body: { message: 'application/json required' } };
      const tag = /\[System\.TeamProject\] = @project AND \[System\.Tags\] CONTAINS '([^']+)'/.exec(request.json?.query ?? '');
      if (!tag) return { status: 400, body: { message: 'unsupported WIQL' } };
      const workItems = [...this.ado.entries()]
        .filter(([, item]) =>
          String(item.fields['System.Tags'] ?? '')
            .split('; ')
            .includes(tag[1]!),
        )
        .map(([id]) => ({ id, url: `${this.url}/ado/contoso/_apis/wit/workItems/${id}` }));
      return { status: 200, body: { queryType: 'flat', workItems } };
    }
    if (request.headers['content-type'] !== 'application/json-patch+json') return { status: 415, body: { message: 'json-patch required' } };
    const operations = request.json;
    if (
      !Array.isArray(operations) ||
      operations.some((operation: any) => !['add', 'replace', 'remove', 'test'].includes(operation.op) || typeof operation.path !== 'string')
    ) {
      return { status: 400, body: { message: 'invalid JSON Patch document' } };
    }
    const url = new URL(request.url, this.url);
    if (url.searchParams.get('api-version') !== '7.1') return { status: 400, body: { message: 'api-version' } };
    const create = /^\/ado\/contoso\/Diagnostics\/_apis\/wit\/workitems\/\$([^/]+)$/.exec(url.pathname);
    if (create && request.method === 'POST') {
      const fields: Record<string, unknown> = {};
      for (const operation of operations) if (operation.path.startsWith('/fields/')) fields[operation.path.slice(8)] = operation.value;
      if (!fields['System.Title']) return { status: 400, body: { message: 'System.Title required' } };
      const id = this.ado.size + 1;
      this.ado.set(id, { state: 'New', fields });
      return {
        status: 200,
        body: {
          id,
          rev: 1,
          fields,
          url: `${this.url}/ado/contoso/_apis/wit/workItems/${id}`,
          _links: { html: { href: `https://dev.azure.com/contoso/Diagnostics/_workitems/edit/${id}` } },
        },
      };
    }
    const update = /^\/ado\/contoso\/Diagnostics\/_apis\/wit\/workitems\/(\d+)$/.exec(url.pathname);
    const item = this.ado.get(Number(update?.[1]));
    if (update && item && request.method === 'PATCH') {
      for (const operation of operations) {
        if (operation.path === '/fields/System.State') item.state = operation.value;
        else if (operation.path.startsWith('/fields/')) item.fields[operation.path.slice(8)] = operation.value;
      }
      return { status: 200, body: { id: Number(update[1]), fields: { ...item.fields, 'System.State': item.state } } };
    }
    return { status: 404 };
  }
}

export async function startReceivers(): Promise<Receivers> {
  return new Receivers().start();
}
