// The three ticket trackers against loopback stand-ins of their REST APIs: create with labels/tags and the
// link, comment, close and reopen, each in the provider's documented shape and auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureDevOpsTracker } from '../../shared/adapters/tickets/azure-devops-work-items';
import { GitHubIssuesTracker } from '../../shared/adapters/tickets/github-issues';
import { JiraTracker } from '../../shared/adapters/tickets/jira-issues';
import { alertLabel, type TicketDraft } from '../../shared/ports/ticket-tracker';
import { receiverSecrets, startReceivers, type Receivers } from '../support/receivers';

let receivers: Receivers;
beforeAll(async () => {
  receivers = await startReceivers();
});
afterAll(() => receivers.close());

const draft: TicketDraft = {
  title: 'Fatal error in checkout',
  body: 'TypeError: boom.\n- Product: demo',
  productId: 'demo',
  appId: 'checkout',
  owner: 'team payments',
  link: 'https://diag.example.com/api/diagnostics/sessions/ds_1',
  alertKey: 'fatal:demo:checkout:fp1',
};

describe('GitHub Issues', () => {
  it('creates with labels and the link, comments, closes as completed and reopens', async () => {
    const tracker = new GitHubIssuesTracker({
      apiUrl: `${receivers.url}/github`,
      repository: 'acme/app',
      token: receiverSecrets.githubToken,
      timeoutInMs: 5000,
    });
    const ticket = await tracker.create(draft);
    expect(ticket).toEqual({ provider: 'github', id: '1', url: 'https://github.com/acme/app/issues/1' });
    const [create] = receivers.of('github');
    expect(create!.method).toBe('POST');
    expect(create!.url).toBe('/github/repos/acme/app/issues');
    expect(create!.json.labels).toEqual(['diagnostics', 'product:demo', 'app:checkout', 'owner:team payments', alertLabel(draft.alertKey)]);
    expect(create!.json.body).toContain(draft.link);
    await tracker.comment(ticket, 'seen again');
    await tracker.close(ticket, 'regression passed');
    expect(receivers.github.get(1)!.state).toBe('closed');
    const close = receivers.of('github').find((request) => request.method === 'PATCH');
    expect(close!.json).toEqual({ state: 'closed', state_reason: 'completed' });
    await tracker.reopen(ticket, 'regression failed');
    expect(receivers.github.get(1)!.state).toBe('open');
    expect(receivers.github.get(1)!.comments).toEqual(['seen again', 'regression passed', 'regression failed']);
  });
});

describe('Jira REST v3', () => {
  it('creates with an ADF description and space-free labels, then moves through the done / to-do transitions', async () => {
    const tracker = new JiraTracker({
      baseUrl: `${receivers.url}/jira`,
      email: receiverSecrets.jiraEmail,
      apiToken: receiverSecrets.jiraToken,
      projectKey: 'DIAG',
      issueType: 'Bug',
      timeoutInMs: 5000,
    });
    const ticket = await tracker.create(draft);
    expect(ticket).toEqual({ provider: 'jira', id: 'DIAG-1', url: `${receivers.url}/jira/browse/DIAG-1` });
    const [create] = receivers.of('jira');
    expect(create!.url).toBe('/jira/rest/api/3/issue');
    expect(create!.json.fields).toMatchObject({
      project: { key: 'DIAG' },
      issuetype: { name: 'Bug' },
      summary: draft.title,
      labels: ['diagnostics', 'product:demo', 'app:checkout', 'owner:team_payments', alertLabel(draft.alertKey)],
    });
    expect(create!.json.fields.description.content.at(-1).content[0].marks[0]).toEqual({ type: 'link', attrs: { href: draft.link } });
    await tracker.close(ticket, 'regression passed');
    expect(receivers.jira.get('DIAG-1')!.status).toBe('Done');
    await tracker.reopen(ticket, 'regression failed');
    expect(receivers.jira.get('DIAG-1')!.status).toBe('To Do');
    expect(receivers.jira.get('DIAG-1')!.comments).toBe(2);
    expect(
      receivers
        .of('jira')
        .filter((request) => request.url.endsWith('/transitions') && request.method === 'POST')
        .map((request) => request.json),
    ).toEqual([{ transition: { id: '31' } }, { transition: { id: '11' } }]);
  });
});

describe('Azure DevOps work items', () => {
  it('creates and updates with JSON Patch, tags and a Hyperlink relation', async () => {
    const tracker = new AzureDevOpsTracker({
      organizationUrl: `${receivers.url}/ado/contoso`,
      project: 'Diagnostics',
      token: receiverSecrets.adoToken,
      workItemType: 'Bug',
      timeoutInMs: 5000,
    });
    const ticket = await tracker.create(draft);
    expect(ticket).toEqual({ provider: 'azure-devops', id: '1', url: 'https://dev.azure.com/contoso/Diagnostics/_workitems/edit/1' });
    const [create] = receivers.of('ado');
    expect(create!.url).toBe('/ado/contoso/Diagnostics/_apis/wit/workitems/$Bug?api-version=7.1');
    expect(create!.headers['content-type']).toBe('application/json-patch+json');
    expect(create!.json).toContainEqual({ op: 'add', path: '/fields/System.Title', value: draft.title });
    expect(create!.json).toContainEqual({
      op: 'add',
      path: '/fields/System.Tags',
      value: `diagnostics; product:demo; app:checkout; owner:team payments; ${alertLabel(draft.alertKey)}`,
    });
    expect(create!.json).toContainEqual({
      op: 'add',
      path: '/relations/-',
      value: { rel: 'Hyperlink', url: draft.link, attributes: { comment: 'Diagnostics' } },
    });
    await tracker.close(ticket, 'regression passed');
    expect(receivers.ado.get(1)!.state).toBe('Closed');
    await tracker.reopen(ticket, 'regression failed');
    expect(receivers.ado.get(1)!.state).toBe('Active');
    expect(receivers.ado.get(1)!.fields['System.History']).toBe('regression failed');
  });
});

describe('finding the ticket an earlier attempt opened, by its alert label', () => {
  const other = 'fatal:demo:checkout:fp-other';

  it('GitHub: lists issues of every state with that label', async () => {
    const tracker = new GitHubIssuesTracker({
      apiUrl: `${receivers.url}/github`,
      repository: 'acme/app',
      token: receiverSecrets.githubToken,
      timeoutInMs: 5000,
    });
    const ticket = await tracker.create({ ...draft, alertKey: 'fatal:demo:checkout:fp-find' });
    await tracker.close(ticket, 'fixed');
    expect(await tracker.findByAlertKey('fatal:demo:checkout:fp-find')).toEqual(ticket);
    expect(await tracker.findByAlertKey(other)).toBeUndefined();
    const list = receivers.of('github').find((request) => request.method === 'GET');
    expect(list!.url).toBe(`/github/repos/acme/app/issues?labels=${alertLabel('fatal:demo:checkout:fp-find')}&state=all&per_page=10`);
  });

  it('Jira: searches with JQL on the project and label', async () => {
    const tracker = new JiraTracker({
      baseUrl: `${receivers.url}/jira`,
      email: receiverSecrets.jiraEmail,
      apiToken: receiverSecrets.jiraToken,
      projectKey: 'DIAG',
      issueType: 'Bug',
      timeoutInMs: 5000,
    });
    const ticket = await tracker.create({ ...draft, alertKey: 'fatal:demo:checkout:fp-find' });
    expect(await tracker.findByAlertKey('fatal:demo:checkout:fp-find')).toEqual(ticket);
    expect(await tracker.findByAlertKey(other)).toBeUndefined();
    const search = receivers.of('jira').find((request) => request.url === '/jira/rest/api/3/search/jql');
    expect(search!.json).toMatchObject({
      jql: `project = "DIAG" AND labels = "${alertLabel('fatal:demo:checkout:fp-find')}" ORDER BY created ASC`,
      fields: ['key'],
      maxResults: 1,
    });
  });

  it('Azure DevOps: runs a WIQL query on the tag, as plain JSON', async () => {
    const organizationUrl = `${receivers.url}/ado/contoso`;
    const tracker = new AzureDevOpsTracker({
      organizationUrl,
      project: 'Diagnostics',
      token: receiverSecrets.adoToken,
      workItemType: 'Bug',
      timeoutInMs: 5000,
    });
    const ticket = await tracker.create({ ...draft, alertKey: 'fatal:demo:checkout:fp-find' });
    expect(await tracker.findByAlertKey('fatal:demo:checkout:fp-find')).toEqual({
      ...ticket,
      url: `${organizationUrl}/Diagnostics/_workitems/edit/${ticket.id}`,
    });
    expect(await tracker.findByAlertKey(other)).toBeUndefined();
    const query = receivers.of('ado').find((request) => request.url.includes('/wiql'));
    expect(query!.headers['content-type']).toBe('application/json');
  });
});
