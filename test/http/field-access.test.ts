// Field-level access by role, route by route through HTTP on the local host: for each role set and each read path,
// the restricted fields are there for holders of Diagnostics.Sensitive and replaced by the exact marker otherwise,
// and every other field is identical. The restricted paths are spelled out here, independently of the policy engine.
// Also: every registered GET route is classified (a new read path cannot skip the policy), and the audit trail
// records which restricted fields each reader was shown.
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../shared/domain/telemetry/tail';
import { functionRegistry } from '../../shared/runtime/registry';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { pngImage } from '../support/images';
import { itemsOf, readSse } from '../support/sse-client';
import { startTestHost, type TestHost } from '../support/test-host';

const MARKER = { withheld: 'requires Diagnostics.Sensitive' };
const CHIP = 'withheld — requires Diagnostics.Sensitive';
const SECRET_BODY = 'sku-7788';

let host: TestHost;
let admin: string;
let device: DeviceSession;
let reportId: string;
const userId = `fa-user-${randomUUID().slice(0, 8)}`;
const base = Date.now() - 600_000;
const at = (second: number) => new Date(base + second * 1000).toISOString();
const traceId = 'c'.repeat(31) + '3';

interface RoleSet {
  name: string;
  roles: string[];
  sensitive: boolean;
  /** May build reports (engineer, admin). */
  builds: boolean;
}

const roleSets: RoleSet[] = [
  { name: 'viewer', roles: ['viewer'], sensitive: false, builds: false },
  { name: 'viewer + Sensitive', roles: ['Diagnostics.Viewer', 'Diagnostics.Sensitive'], sensitive: true, builds: false },
  { name: 'engineer', roles: ['engineer'], sensitive: false, builds: true },
  { name: 'engineer + Sensitive', roles: ['engineer', 'Diagnostics.Sensitive'], sensitive: true, builds: true },
  { name: 'admin', roles: ['admin'], sensitive: false, builds: true },
  { name: 'admin + Sensitive', roles: ['admin', 'Diagnostics.Sensitive'], sensitive: true, builds: true },
];
const tokens = new Map<string, string>();
const subjectOf = (set: RoleSet) => `fa-${set.name.replace(/\W+/g, '-')}`;

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000', TAIL_POLL_INTERVAL_MS: '200', TAIL_SETTLE_MS: '300' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  for (const set of roleSets) tokens.set(set.name, await host.token({ subject: subjectOf(set), roles: set.roles, products: ['demo'], sensitive: false }));
  device = await openDeviceSession(host, admin, {
    capture: { logs: true, traces: true, breadcrumbs: true, network: true, screenshots: true },
    collectionLevel: 'trace',
  });
  const items = [
    { kind: 'breadcrumb', id: 'b1', timestamp: at(0), category: 'nav', message: 'opened checkout', data: { screen: 'cart' } },
    { kind: 'log', id: 'l1', timestamp: at(1), level: 'info', module: 'cart', message: 'checkout started', context: { cartSize: 3 } },
    {
      kind: 'log',
      id: 'l2',
      timestamp: at(2),
      level: 'error',
      module: 'pay',
      message: 'card declined',
      context: { attempt: 2 },
      error: {
        type: 'PaymentError',
        message: 'card declined',
        stack: 'PaymentError: card declined\n    at charge (pay.ts:10:5)\n    at checkout (cart.ts:22:3)',
      },
    },
    {
      kind: 'network',
      id: 'n1',
      timestamp: at(3),
      method: 'POST',
      url: 'https://api.example.com/orders',
      status: 502,
      durationMs: 120,
      requestHeaders: { 'x-request-id': 'rq-9' },
      responseHeaders: { 'x-served-by': 'edge-4' },
      requestBody: `{"sku":"${SECRET_BODY}"}`,
      responseBody: '{"error":"gateway timeout"}',
      traceId,
    },
    {
      kind: 'span',
      traceId,
      spanId: '0000000000000001',
      name: 'place order',
      startTime: at(2),
      endTime: at(4),
      status: { code: 'error', message: 'payment failed' },
      attributes: { 'http.method': 'POST', 'http.request.header.x-client': 'web-7', 'exception.stacktrace': 'at placeOrder (order.ts:4:1)' },
      events: [{ name: 'exception', time: at(3), attributes: { 'exception.type': 'PaymentError', 'exception.stacktrace': 'at charge (pay.ts:10:5)' } }],
    },
    {
      kind: 'span',
      traceId,
      spanId: '0000000000000002',
      parentSpanId: '0000000000000001',
      name: 'charge card',
      startTime: at(3),
      endTime: at(4),
      attributes: { 'http.method': 'POST' },
    },
  ];
  const ingested = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: device.sessionId, device: { userId }, items },
    headers: device.deviceHeaders,
  });
  if (ingested.status !== 202) throw new Error(`ingest answered ${ingested.status}: ${await ingested.text()}`);

  const image = pngImage(32, 16);
  const declared = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots`, {
    body: { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: at(3) },
    headers: device.deviceHeaders,
  });
  const instructions = (await declared.json()) as { screenshot: { id: string }; upload: { url: string } };
  await fetch(instructions.upload.url, { method: 'PUT', body: new Uint8Array(image), headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' } });
  const confirmed = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${instructions.screenshot.id}/confirm`, {
    headers: device.deviceHeaders,
  });
  if (confirmed.status !== 200) throw new Error(`confirm answered ${confirmed.status}`);

  const generated = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: { authorization: `Bearer ${admin}` } });
  if (generated.status !== 201) throw new Error(`report answered ${generated.status}: ${await generated.text()}`);
  reportId = ((await generated.json()) as { record: { id: string } }).record.id;
}, 60_000);
afterAll(() => host?.close());

type Kind = 'session' | 'log' | 'breadcrumb' | 'network' | 'span' | 'report' | 'screenshot';
interface Answer {
  status: number;
  records: Array<{ kind: Kind; value: any }>;
  /** Answers that are documents rather than records (the report's HTML). */
  html?: string;
  problem?: string;
}

type Path = Array<string | number>;

/** The restricted fields present in a record, spelled out per kind (not derived from the policy under test). */
function restrictedPaths(kind: Kind, record: any): Path[] {
  const present = (path: Path) => path.reduce((value, key) => (value === undefined || value === null ? undefined : value[key]), record) !== undefined;
  const candidates: Path[] = [];
  if (kind === 'network') candidates.push(['requestHeaders'], ['responseHeaders'], ['requestBody'], ['responseBody']);
  if (kind === 'log') candidates.push(['context'], ['error', 'stack']);
  if (kind === 'span') {
    for (const key of Object.keys(record.attributes ?? {}))
      if (key === 'exception.stacktrace' || key.startsWith('http.request.header.')) candidates.push(['attributes', key]);
    (record.events ?? []).forEach((_: unknown, index: number) => candidates.push(['events', index, 'attributes', 'exception.stacktrace']));
  }
  if (kind === 'screenshot') candidates.push(['readUrl'], ['readUrlExpiresAt']);
  if (kind === 'report') {
    (record.errorGroups ?? []).forEach((_: unknown, index: number) => candidates.push(['errorGroups', index, 'topFrames']));
    (record.stackTraces ?? []).forEach((_: unknown, index: number) => candidates.push(['stackTraces', index, 'frames']));
    (record.failingRequests ?? []).forEach((_: unknown, index: number) =>
      candidates.push(...['requestHeaders', 'responseHeaders', 'requestBody', 'responseBody'].map((field) => ['failingRequests', index, field])),
    );
    (record.failingTraces ?? []).forEach((trace: any, index: number) =>
      trace.spans.forEach((span: any, spanIndex: number) => {
        for (const key of Object.keys(span.attributes ?? {}))
          if (key === 'exception.stacktrace' || key.startsWith('http.request.header.'))
            candidates.push(['failingTraces', index, 'spans', spanIndex, 'attributes', key]);
      }),
    );
    (record.screenshots ?? []).forEach((_: unknown, index: number) =>
      candidates.push(['screenshots', index, 'readUrl'], ['screenshots', index, 'readUrlExpiresAt']),
    );
  }
  return candidates.filter(present);
}

function read(record: any, path: Path): unknown {
  return path.reduce((value, key) => value?.[key], record);
}

function without(record: any, paths: Path[]): any {
  const copy = structuredClone(record);
  for (const path of paths) {
    const parent = read(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    delete parent[path[path.length - 1]!];
  }
  return copy;
}

/** Signed links are fresh on every read: equal in kind, not in text. */
const isVolatile = (path: Path) => /^readUrl/.test(String(path[path.length - 1]));
/** Fields that differ per generated report. */
const perReport = ['id', 'generatedAt'];

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function getJson(path: string, token: string): Promise<{ status: number; body: any }> {
  const response = await host.call('GET', path, { headers: auth(token) });
  return { status: response.status, body: await response.json() };
}

const kindOf = (doc: { docType: Kind }) => doc.docType;

function flattenTree(nodes: any[]): any[] {
  return nodes.flatMap(({ children, ...node }) => [node, ...flattenTree(children)]);
}

async function storedReport(): Promise<any> {
  const record = host.deps.stores;
  const stored = await record.reports.getReport(device.sessionId, reportId);
  return JSON.parse((await record.blobs.readHead('reports', stored!.blobs.json, 8 * 1024 * 1024)).toString('utf8'));
}

interface Route {
  /** The registered function this path is served by. */
  fn: string;
  name: string;
  read(token: string, set: RoleSet): Promise<Answer>;
}

const session = () => `/api/diagnostics/sessions/${device.sessionId}`;

const routes: Route[] = [
  {
    fn: 'sessions-get',
    name: 'session (single item)',
    read: async (token) => {
      const { status, body } = await getJson(session(), token);
      return { status, records: [{ kind: 'session', value: body }] };
    },
  },
  {
    fn: 'sessions-list',
    name: 'sessions (list)',
    read: async (token) => {
      const { status, body } = await getJson('/api/diagnostics/sessions?productId=demo&pageSize=100', token);
      return {
        status,
        records: body.items.filter((item: { id: string }) => item.id === device.sessionId).map((value: unknown) => ({ kind: 'session', value })),
      };
    },
  },
  {
    fn: 'logs-list',
    name: 'logs, breadcrumbs, network (list)',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/logs?type=log,breadcrumb,network&order=oldest`, token);
      return { status, records: (body.items ?? []).map((value: any) => ({ kind: kindOf(value), value })) };
    },
  },
  {
    fn: 'traces-list',
    name: 'spans (list)',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/traces?order=oldest`, token);
      return { status, records: (body.items ?? []).map((value: any) => ({ kind: 'span', value })) };
    },
  },
  {
    fn: 'traces-get',
    name: 'trace tree',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/traces/${traceId}`, token);
      expect(body.roots?.[0]?.children?.length).toBe(1);
      return { status, records: flattenTree(body.roots ?? []).map((value) => ({ kind: 'span', value })) };
    },
  },
  {
    fn: 'timeline-get',
    name: 'timeline',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/timeline?order=oldest`, token);
      return { status, records: (body.items ?? []).map((value: any) => ({ kind: kindOf(value), value })) };
    },
  },
  {
    fn: 'users-timeline-get',
    name: 'user timeline',
    read: async (token) => {
      const { status, body } = await getJson(`/api/diagnostics/users/${userId}/timeline?productId=demo&order=oldest`, token);
      return { status, records: (body.items ?? []).map((value: any) => ({ kind: kindOf(value), value })) };
    },
  },
  {
    fn: 'users-sessions-list',
    name: 'user sessions',
    read: async (token) => {
      const { status, body } = await getJson(`/api/diagnostics/users/${userId}/sessions?productId=demo`, token);
      return { status, records: (body.items ?? []).map((value: any) => ({ kind: 'session', value })) };
    },
  },
  {
    fn: 'sessions-tail',
    name: 'live tail (SSE)',
    read: async (token) => {
      const start = encodeCursor({ commitSecond: 0, receivedAt: '', time: '', id: '' });
      const connection = await readSse(`${host.url}${session()}/tail`, {
        headers: { ...auth(token), 'last-event-id': start },
        until: (events) => itemsOf(events).length >= 6,
        timeoutInMs: 15_000,
      });
      const docs = itemsOf(connection.events)
        .map((item) => item.doc)
        .sort((left, right) => (left.id < right.id ? -1 : 1));
      return { status: connection.status, records: docs.map((value) => ({ kind: kindOf(value), value })) };
    },
  },
  {
    fn: 'exports-create',
    name: 'export (stored file)',
    read: async (token) => {
      const response = await host.call('POST', `${session()}/export`, { headers: auth(token) });
      const body = (await response.json()) as { download: { url: string } };
      const file = gunzipSync(Buffer.from(await (await fetch(body.download.url)).arrayBuffer())).toString('utf8');
      const lines = file
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string });
      // The header line names this export (its id and time); the items follow.
      return { status: response.status, records: lines.slice(1).map(({ type, ...value }) => ({ kind: type as Kind, value })) };
    },
  },
  {
    fn: 'reports-get',
    name: 'report JSON (stored, read through its link)',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/reports/${reportId}`, token);
      const report = await (await fetch(body.links.json.url)).json();
      return { status, records: [{ kind: 'report', value: report }] };
    },
  },
  {
    fn: 'reports-get',
    name: 'report HTML (stored, read through its link)',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/reports/${reportId}`, token);
      return { status, records: [], html: await (await fetch(body.links.html.url)).text() };
    },
  },
  {
    fn: 'reports-create',
    name: 'report (built, in the answer)',
    read: async (token) => {
      const response = await host.call('POST', `${session()}/report`, { headers: auth(token) });
      const body = (await response.json()) as { report?: Record<string, unknown>; detail?: string };
      if (response.status !== 201) return { status: response.status, records: [], problem: body.detail };
      return { status: response.status, records: [{ kind: 'report', value: body.report }] };
    },
  },
  {
    fn: 'screenshots-list',
    name: 'screenshots (list with links)',
    read: async (token) => {
      const { status, body } = await getJson(`${session()}/screenshots`, token);
      return { status, records: (body.items ?? []).map((value: any) => ({ kind: 'screenshot', value })) };
    },
  },
  {
    fn: 'screenshots-archive',
    name: 'screenshots (download all)',
    read: async (token) => {
      const response = await host.call('GET', `${session()}/screenshots/archive`, { headers: auth(token) });
      if (response.status !== 200) return { status: response.status, records: [], problem: ((await response.json()) as { detail: string }).detail };
      const bytes = Buffer.from(await response.arrayBuffer());
      return {
        status: 200,
        records: [{ kind: 'screenshot', value: { zipSignature: bytes.subarray(0, 4).toString('hex'), count: response.headers.get('x-screenshot-count') } }],
      };
    },
  },
];

const reference = new Map<string, Answer>();
const everySensitiveKindSeen = new Set<Kind>();

async function referenceFor(route: Route): Promise<Answer> {
  const key = route.name;
  if (!reference.has(key)) {
    const fullReader = roleSets.find((set) => set.name === 'admin + Sensitive')!;
    const answer = await route.read(tokens.get(fullReader.name)!, fullReader);
    if (route.fn === 'reports-create' || route.fn === 'reports-get') {
      // The stored report is the whole report: what a Sensitive holder's link reaches must be exactly it.
      const stored = await storedReport();
      if (route.name.startsWith('report JSON')) expect(answer.records[0]!.value).toEqual(stored);
      if (route.fn === 'reports-create') answer.records = [{ kind: 'report', value: stored }];
    }
    reference.set(key, answer);
  }
  return reference.get(key)!;
}

describe('every read path honours the field policy, for every role set', () => {
  const cases = routes.flatMap((route) => roleSets.map((set) => [route.name, set.name, route, set] as const));

  it.each(cases)('%s as %s', async (_route, _set, route, set) => {
    const expected = await referenceFor(route);
    const answer = await route.read(tokens.get(set.name)!, set);

    if (route.fn === 'reports-create' && !set.builds) {
      expect(answer.status).toBe(403);
      return;
    }
    if (route.fn === 'screenshots-archive' && !set.sensitive) {
      expect(answer.status).toBe(403);
      expect(answer.problem).toBe('Screenshots are withheld: requires Diagnostics.Sensitive');
      return;
    }
    expect(answer.status).toBeLessThan(300);

    if (answer.html !== undefined) {
      expect(answer.html).toContain('https://api.example.com/orders');
      expect(answer.html).toContain('card declined');
      if (set.sensitive) {
        expect(answer.html).toContain(SECRET_BODY);
        expect(answer.html).toContain('at charge (pay.ts:10:5)');
        expect(answer.html).not.toContain(CHIP);
        expect(answer.html).toBe(expected.html);
      } else {
        expect(answer.html).not.toContain(SECRET_BODY);
        expect(answer.html).not.toContain('pay.ts:10:5');
        expect(answer.html).not.toMatch(/sig=/);
        expect(answer.html).toContain(`<span class="withheld" data-withheld="requires Diagnostics.Sensitive">${CHIP}</span>`);
      }
      return;
    }

    expect(answer.records.length).toBeGreaterThan(0);
    expect(answer.records.map((record) => record.kind)).toEqual(expected.records.map((record) => record.kind));
    answer.records.forEach((record, index) => {
      const full = expected.records[index]!.value;
      const paths = restrictedPaths(record.kind, full);
      if (paths.length) everySensitiveKindSeen.add(record.kind);
      for (const path of paths) {
        const shown = read(record.value, path);
        if (!set.sensitive) expect(shown, path.join('/')).toEqual(MARKER);
        else if (isVolatile(path)) expect(typeof shown, path.join('/')).toBe('string');
        else expect(shown, path.join('/')).toEqual(read(full, path));
      }
      const strip = (value: any) =>
        without(
          route.fn === 'reports-create'
            ? without(
                value,
                perReport.map((field) => [field]),
              )
            : value,
          paths,
        );
      expect(strip(record.value)).toEqual(strip(full));
      // No signed link at all without the role: not even somewhere the table does not name.
      if (!set.sensitive) expect(JSON.stringify(record.value)).not.toMatch(/[?&]sig=/);
    });
  });

  it('met a restricted field of every kind that has one', () => {
    expect([...everySensitiveKindSeen].sort()).toEqual(['log', 'network', 'report', 'screenshot', 'span']);
  });
});

describe('the route table covers every read path', () => {
  /** GET routes that answer with no captured telemetry, and why (a new GET route must be added to one list or the other). */
  const notTelemetry: Record<string, string> = {
    'alerts-list': 'alert rules and episodes: counts and thresholds',
    'audit-list': 'the audit trail: names of fields, never values',
    'config-get': 'the device poll: the session targeting the caller',
    'dashboard-get': 'static files of the dashboard',
    'erasures-certificate-get': 'an erasure certificate: counts per store and the keyed hash of the subject',
    'erasures-get': "an erasure's state and counts; the subject only as a keyed hash",
    'health-get': 'reachability of the stores',
    'hooks-get': 'pattern hook configuration',
    'hooks-list': 'pattern hook configuration',
    'openapi-get': 'the API description',
    'rules-list': 'alert rule configuration',
    'series-get': 'metric series: numbers by time',
    'triggers-list': 'trigger rule configuration',
  };

  it('every registered GET route is in the role table or named as carrying no telemetry', () => {
    const gets = functionRegistry.http.filter((definition) => definition.methods.includes('GET')).map((definition) => definition.name);
    const covered = new Set(routes.map((route) => route.fn));
    const unclassified = gets.filter((name) => !covered.has(name) && !(name in notTelemetry));
    expect(unclassified).toEqual([]);
    expect(gets.filter((name) => covered.has(name) && name in notTelemetry)).toEqual([]);
    const registered = new Set(functionRegistry.http.map((definition) => definition.name));
    expect([...covered].filter((name) => !registered.has(name))).toEqual([]);
  });
});

describe('the audit trail records sensitive reads', () => {
  it('names the reader, the session and the restricted fields shown or withheld, one record per request kind', async () => {
    const records: Array<{ actor: { id: string }; action: string; sessionId?: string; details: Record<string, unknown> }> = [];
    let continuationToken: string | undefined;
    do {
      const page = await getJson(
        `/api/diagnostics/audit?sessionId=${device.sessionId}&pageSize=100${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ''}`,
        admin,
      );
      expect(page.status).toBe(200);
      records.push(...page.body.items);
      continuationToken = page.body.continuationToken;
    } while (continuationToken);
    const expectedActions = [
      'logs.read',
      'spans.read',
      'trace.read',
      'timeline.read',
      'user_timeline.read',
      'tail.read',
      'report.read',
      'screenshots.read',
      'export.created',
    ];
    for (const set of roleSets) {
      const mine = records.filter((record) => record.actor.id === subjectOf(set));
      for (const action of expectedActions) {
        const found = mine.filter((record) => record.action === action);
        expect(found.length, `${set.name} ${action}`).toBeGreaterThan(0);
        for (const record of found) {
          expect(record.sessionId).toBe(device.sessionId);
          expect(record.details.sensitive, `${set.name} ${action}`).toBe(set.sensitive);
          if (set.sensitive)
            expect(record.details.fieldsRead).toEqual(expect.arrayContaining([expect.stringMatching(/^(log|network|span|report|screenshot)\./)]));
          else {
            expect(record.details.fieldsRead).toBeUndefined();
            expect(record.details.fieldsWithheld).toEqual(expect.arrayContaining([expect.stringMatching(/^(log|network|span|report|screenshot)\./)]));
          }
        }
      }
      const logs = mine.find((record) => record.action === 'logs.read')!;
      if (set.sensitive)
        expect(logs.details.fieldsRead).toEqual([
          'log.context',
          'log.error/stack',
          'network.requestBody',
          'network.requestHeaders',
          'network.responseBody',
          'network.responseHeaders',
        ]);
      const archive = mine.filter((record) => record.action === 'screenshots.archive_read');
      expect(archive.length).toBe(set.sensitive ? 1 : 0);
    }
    // Never a value: only field names.
    expect(JSON.stringify(records)).not.toContain(SECRET_BODY);
  });
});
