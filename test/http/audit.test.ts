// The audit trail through the local host: reads of a session's logs, timeline, traces and reports are recorded
// (who read what of whose session) before the answer, a read whose record cannot be written answers 503, and
// admins of the product query the trail by session, actor, action and time, paged.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../shared/errors';
import type { AuditRecord } from '../../shared/ports/audit-log';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let engineer: string;
let device: DeviceSession;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ subject: 'admin-ann', roles: ['admin'], products: ['demo'] });
  engineer = await host.token({ subject: 'engineer-eve', roles: ['engineer'], products: ['demo'] });
  const user = await host.token({ subject: 'user-ulla', roles: [], products: [] });
  device = await openDeviceSession(host, admin, { targetUserId: 'user-ulla' }, user);
  const ingested = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: device.sessionId, items: [{ kind: 'log', id: 'a1', level: 'info', message: 'hello', timestamp: new Date().toISOString() }] },
    headers: device.deviceHeaders,
  });
  expect(ingested.status).toBeLessThan(300);
});
afterAll(() => host.close());

async function audit(query: string, token = admin): Promise<{ status: number; body: { items: AuditRecord[]; continuationToken?: string } }> {
  const response = await host.call('GET', `/api/diagnostics/audit?${query}`, { headers: auth(token) });
  return { status: response.status, body: (await response.json()) as { items: AuditRecord[]; continuationToken?: string } };
}

describe('audit of reads', () => {
  it('records who read which data of whose session, one record per reader, kind and minute', async () => {
    host.clock.freeze();
    try {
      for (let page = 0; page < 3; page++)
        expect((await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/logs`, { headers: auth(engineer) })).status).toBe(200);
      expect((await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/timeline`, { headers: auth(engineer) })).status).toBe(200);
      expect((await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/traces`, { headers: auth(admin) })).status).toBe(200);
    } finally {
      host.clock.thaw();
    }
    const { status, body } = await audit(`sessionId=${device.sessionId}&actor=engineer-eve`);
    expect(status).toBe(200);
    expect(body.items.map((record) => record.action).sort()).toEqual(['logs.read', 'timeline.read']);
    const logsRead = body.items.find((record) => record.action === 'logs.read')!;
    expect(logsRead).toMatchObject({
      productId: 'demo',
      sessionId: device.sessionId,
      actor: { kind: 'user', id: 'engineer-eve' },
      target: { targetUserId: 'user-ulla', targetDeviceId: device.deviceId },
    });
    expect(logsRead.correlationId).toBeTruthy();
    const byAdmin = await audit(`sessionId=${device.sessionId}&actor=admin-ann&action=spans.read`);
    expect(byAdmin.body.items).toHaveLength(1);
  });

  it('records a report read before handing out its links', async () => {
    const generated = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: auth(admin) });
    expect(generated.status).toBe(201);
    const reportId = ((await generated.json()) as { record: { id: string } }).record.id;
    expect((await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/reports/${reportId}`, { headers: auth(engineer) })).status).toBe(200);
    const { body } = await audit(`sessionId=${device.sessionId}&action=report.read`);
    expect(body.items).toEqual([
      expect.objectContaining({
        actor: { kind: 'user', id: 'engineer-eve' },
        details: expect.objectContaining({ reportId, sensitive: true, fieldsRead: expect.arrayContaining(['report.failingRequests/*/requestBody']) }),
      }),
    ]);
  });

  it('answers a read 503 with Retry-After when its audit record cannot be written, and serves nothing', async () => {
    const audit = host.deps.stores.audit;
    const record = vi.spyOn(audit, 'record').mockRejectedValue(new AppError('unavailable', 'Audit storage is unavailable', { retryAfterSeconds: 2 }));
    try {
      const response = await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/logs`, { headers: auth(engineer) });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.text()).not.toContain('hello');
    } finally {
      record.mockRestore();
    }
  });
});

describe('GET /api/diagnostics/audit', () => {
  it('filters by time and pages newest first', async () => {
    const all = await audit(`sessionId=${device.sessionId}&pageSize=100`);
    expect(all.body.items.length).toBeGreaterThanOrEqual(5);
    const times = all.body.items.map((record) => record.at);
    expect([...times].sort().reverse()).toEqual(times);
    // The session's creation by the admin is on it too.
    expect(all.body.items.some((record) => record.action === 'session.created' && record.actor.id === 'admin-ann')).toBe(true);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await audit(`sessionId=${device.sessionId}&pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((record) => record.id));
      token = page.body.continuationToken;
    } while (token);
    expect(seen).toEqual(all.body.items.map((record) => record.id));

    const middle = times[Math.floor(times.length / 2)]!;
    const before = await audit(`sessionId=${device.sessionId}&pageSize=100&to=${encodeURIComponent(middle)}`);
    expect(before.body.items.every((record) => record.at < middle)).toBe(true);
    const after = await audit(`sessionId=${device.sessionId}&pageSize=100&from=${encodeURIComponent(middle)}`);
    expect(after.body.items.every((record) => record.at >= middle)).toBe(true);
    expect(before.body.items.length + after.body.items.length).toBe(all.body.items.length);
  });

  it('is for admins of the product only, and needs a product', async () => {
    expect((await audit(`sessionId=${device.sessionId}`, engineer)).status).toBe(403);
    const otherAdmin = await host.token({ roles: ['admin'], products: ['other'] });
    expect((await audit('productId=demo', otherAdmin)).status).toBe(403);
    const missing = await host.call('GET', '/api/diagnostics/audit', { headers: auth(admin) });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('productId');
    const badTime = await host.call('GET', '/api/diagnostics/audit?productId=demo&from=yesterday', { headers: auth(admin) });
    expect(badTime.status).toBe(400);
    expect(((await badTime.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('query.from');
  });
});
