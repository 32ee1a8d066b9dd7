// POST /api/diagnostics/redaction/preview through HTTP on the local host: admins see a sample masked with the
// remarks; everyone else is refused; bad or oversized bodies are clear 4xx problems.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMaskingHashKey } from '../../shared/domain/masking';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
const path = '/api/diagnostics/redaction/preview';

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('POST /api/diagnostics/redaction/preview', () => {
  it('masks a pasted text and a structured value, returning the remarks and never the originals', async () => {
    const response = await host.call('POST', path, {
      body: {
        text: 'login jane@example.com with password=hunter2 from 203.0.113.7',
        value: { headers: { authorization: 'Bearer abc.def.ghi', accept: 'text/html' }, card: '4111 1111 1111 1111', note: 'version 1.2.3' },
      },
      headers: auth(admin),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      text: 'login [EMAIL] with password=[REDACTED] from [IP]',
      value: { headers: { authorization: '[REDACTED]', accept: 'text/html' }, card: '**** **** **** 1111', note: 'version 1.2.3' },
      redaction: {
        fieldsRedacted: ['text', 'value.headers.authorization', 'value.card'],
        patternsMatched: ['email', 'credential_assignment', 'ipv4', 'sensitive_field', 'credit_card'],
        count: 5,
      },
    });
    expect(JSON.stringify(body)).not.toMatch(/jane|hunter2|203\.0\.113|abc\.def/);
  });

  it('hashes joinable ids with the key the composition root derives from the deployment secret', async () => {
    const response = await host.call('POST', path, { body: { value: { customerId: 'C-1001', order: { customer_id: 'C-1001' } } }, headers: auth(admin) });
    expect(response.status).toBe(200);
    const expected = `[ID:${createHmac('sha256', deriveMaskingHashKey(host.deps.settings.INGEST_KEY_SECRET)).update('C-1001').digest('hex').slice(0, 12)}]`;
    expect(await response.json()).toEqual({
      value: { customerId: expected, order: { customer_id: expected } },
      redaction: { fieldsRedacted: ['value.customerId', 'value.order.customer_id'], patternsMatched: ['hashed_identifier'], count: 2 },
    });
  });

  it('answers a text alone with its remarks', async () => {
    const response = await host.call('POST', path, { body: { text: 'nothing to see, trace 4bf92f3577b34da6a3ce929d0e0e4736' }, headers: auth(admin) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      text: 'nothing to see, trace 4bf92f3577b34da6a3ce929d0e0e4736',
      redaction: { fieldsRedacted: [], patternsMatched: [], count: 0 },
    });
  });

  it('refuses callers without a token (401) and non-admins or admins of no product (403)', async () => {
    expect((await host.call('POST', path, { body: { text: 'x' } })).status).toBe(401);
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    expect((await host.call('POST', path, { body: { text: 'x' }, headers: auth(engineer) })).status).toBe(403);
    const adminOfNothing = await host.token({ roles: ['admin'], products: [] });
    const refused = await host.call('POST', path, { body: { text: 'x' }, headers: auth(adminOfNothing) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
  });

  it.each([
    [{}, 'text'],
    [{ text: 42 }, 'text'],
    [{ text: 'a', extra: true }, '(body)'],
    [{ text: 'x'.repeat(32 * 1024 + 1) }, 'text'],
  ])('refuses %# with 400 naming the field', async (body, field) => {
    const response = await host.call('POST', path, { body, headers: auth(admin) });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((issue: { field: string }) => issue.field)).toContain(field);
  });

  it('refuses a body over the cap with 413', async () => {
    const response = await host.call('POST', path, { body: { value: { blob: 'y'.repeat(70 * 1024) } }, headers: auth(admin) });
    expect(response.status).toBe(413);
  });
});
