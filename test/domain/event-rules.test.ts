// Pure event rules, table-driven: throttle decisions, routing, alert keys and routing-config validation.
import { describe, expect, it } from 'vitest';
import { alertKeyOf } from '../../shared/domain/events/alert-key';
import { defaultNotificationRouting, parseNotificationRouting, routesFor } from '../../shared/domain/events/notification-routing';
import { decideThrottle, type ThrottleState } from '../../shared/domain/events/throttle';
import { newEvent, type EventType } from '../../shared/domain/events/event-envelope';

const now = new Date('2026-11-22T05:00:00Z');
const windowInMs = 600_000;
const state = (overrides: Partial<ThrottleState> = {}): ThrottleState => ({
  alertKey: 'k',
  windowStartedAt: new Date(now.getTime() - 60_000).toISOString(),
  sentEventId: 'ev_first',
  folded: 2,
  foldedBeforeWindow: 5,
  ...overrides,
});

describe('decideThrottle', () => {
  it.each([
    ['no state: send and create', undefined, 'ev_new', { action: 'send', folded: 0, write: 'create' }],
    ['inside the window: fold', state(), 'ev_new', { action: 'fold' }],
    ['redelivery of the sent event: send again, nothing written', state(), 'ev_first', { action: 'send', folded: 5, write: 'none' }],
    [
      'window over: send with the folded count, reopen the window',
      state({ windowStartedAt: new Date(now.getTime() - windowInMs).toISOString() }),
      'ev_new',
      { action: 'send', folded: 2, write: 'replace' },
    ],
  ] as const)('%s', (_name, current, eventId, expected) => {
    expect(decideThrottle(current, 'k', eventId, now, windowInMs)).toMatchObject(expected);
  });

  it('opens a new window owned by the sending event', () => {
    const decision = decideThrottle(state({ windowStartedAt: '2026-01-01T00:00:00Z' }), 'k', 'ev_new', now, windowInMs);
    expect(decision.action === 'send' && decision.next).toEqual({
      alertKey: 'k',
      windowStartedAt: now.toISOString(),
      sentEventId: 'ev_new',
      folded: 0,
      foldedBeforeWindow: 2,
    });
  });
});

describe('alertKeyOf', () => {
  const event = (type: EventType, payload: Record<string, unknown>, sessionId?: string) => newEvent(type, { productId: 'demo', sessionId, payload, time: now });
  it.each([
    ['explicit key wins', event('diagnostics.ingest.fatal', { alertKey: 'mine', fingerprint: 'fp' }), 'mine'],
    ['fatal by app and fingerprint', event('diagnostics.ingest.fatal', { appId: 'checkout', fingerprint: 'fp' }), 'fatal:demo:checkout:fp'],
    ['fatal by error type without a fingerprint', event('diagnostics.ingest.fatal', { errorType: 'TypeError' }), 'fatal:demo:-:TypeError'],
    ['report by session', event('diagnostics.report.generated', {}, 'ds_1'), 'session:demo:ds_1'],
    ['regression by session, matching its report', event('diagnostics.regression.reported', { result: 'passed' }, 'ds_1'), 'session:demo:ds_1'],
  ])('%s', (_name, input, expected) => {
    expect(alertKeyOf(input)).toBe(expected);
  });
});

describe('notification routing', () => {
  it('routes by event type and product, with the default config covering the three audiences', () => {
    const routing = parseNotificationRouting(
      JSON.stringify({ routes: [{ events: ['diagnostics.ingest.fatal'], products: ['shop'], audience: 'on-call', channels: ['pagerduty'] }] }),
    );
    const fatal = (productId: string) => newEvent('diagnostics.ingest.fatal', { productId, payload: {}, time: now });
    expect(routesFor(routing, fatal('shop'))).toHaveLength(1);
    expect(routesFor(routing, fatal('demo'))).toHaveLength(0);
    const audiences = defaultNotificationRouting.routes.map((route) => route.audience);
    expect(new Set(audiences)).toEqual(new Set(['target-user', 'creator', 'on-call']));
  });

  it.each([
    ['not JSON', '{routes', /not valid JSON/],
    [
      'unknown channel',
      JSON.stringify({ routes: [{ events: ['diagnostics.ingest.fatal'], audience: 'on-call', channels: ['fax'] }] }),
      /routes\.0\.channels\.0/,
    ],
    ['unknown event type', JSON.stringify({ routes: [{ events: ['diagnostics.nope'], audience: 'on-call', channels: ['slack'] }] }), /routes\.0\.events\.0/],
    ['unknown field', JSON.stringify({ routes: [], extra: 1 }), /NOTIFICATION_ROUTING/],
  ])('refuses %s, naming where', (_name, json, message) => {
    expect(() => parseNotificationRouting(json)).toThrow(message);
  });
});
