// The pure report builder, renderer and template: table-driven over small hand-made sessions.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseReportTemplate } from '../../shared/config/report-template';
import { buildReport, type ReportInput } from '../../shared/domain/reports/build-report';
import { errorFingerprint, normalizeMessage } from '../../shared/domain/telemetry/error-fingerprint';
import { renderReportHtml } from '../../shared/domain/reports/render-html';
import { applyRegressionRun, newAlert } from '../../shared/domain/reports/report-record';
import { diagnosticReportSchema } from '../../shared/domain/reports/report';
import type { ReportTemplate } from '../../shared/domain/reports/template';
import { newSession } from '../../shared/domain/sessions/session';
import type { IngestItem } from '../../shared/domain/telemetry/items';
import { storedWithoutMasking } from '../support/session-items';

const template = parseReportTemplate(readFileSync('config/plugins/debug/report_template.yaml', 'utf8'));
const session = newSession(
  {
    productId: 'demo',
    targetDeviceId: 'dev-1',
    collectionLevel: 'debug',
    capture: { logs: true, traces: true, breadcrumbs: true, network: true, console: false, screenshots: true, screenshotOnError: false },
    userConsent: 'auto',
    maxDurationMinutes: 60,
    startImmediately: true,
    tags: [],
  },
  'admin-1',
  new Date('2026-01-01T10:00:00Z'),
);
const t = (seconds: number) => new Date(Date.parse('2026-01-01T10:00:00Z') + seconds * 1000).toISOString();
const stack = (line: number, frame = 'submitOrder') => `Error: x\n    at ${frame} (app/checkout.js:${line}:13)\n    at handleClick (app/ui.js:12:5)`;

function report(items: IngestItem[], overrides: Partial<ReportInput> = {}) {
  const stored = storedWithoutMasking(items, { productId: 'demo', sessionId: session.id });
  return buildReport({
    reportId: 'rp_test',
    generatedAt: new Date(t(3600)),
    template,
    session,
    logs: stored.logs,
    spans: stored.spans,
    screenshots: [],
    ...overrides,
  });
}

/** Errors group by their stack's place: a message of another kind is thrown from another function here. */
function error(id: string, at: number, message: string, extra: Partial<Extract<IngestItem, { kind: 'log' }>> = {}): IngestItem {
  const place = message.startsWith('Order') ? 'submitOrder' : message.replace(/\W+/g, '_');
  return { kind: 'log', id, timestamp: t(at), level: 'error', message, error: { type: 'Error', message, stack: stack(10, place) }, ...extra };
}

describe('normalizeMessage and fingerprints', () => {
  it.each([
    ['Order 1234 failed', 'Order <n> failed'],
    ['user 3f2b1c9e-1111-4222-8333-444455556666 not found', 'user <uuid> not found'],
    ['bad key "abc" at 0xdeadbeef', 'bad key <str> at <hex>'],
    ['masked [EMAIL] and [JWT]', 'masked <masked> and <masked>'],
    ['  many   spaces ', 'many spaces'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it.each([
    ['same message shape, other numbers and lines', ['Order 1 failed', stack(10)], ['Order 2 failed', stack(99)], true],
    ['another top frame', ['Order 1 failed', stack(10, 'submitOrder')], ['Order 1 failed', stack(10, 'cancelOrder')], false],
    ['another message at the same place (the stack decides)', ['Order 1 failed', stack(10)], ['Payment declined', stack(10)], true],
    ['another message shape and no stack', ['Order 1 failed', undefined], ['Payment declined', undefined], false],
  ])('%s: same group = %s', (_name, [messageA, stackA], [messageB, stackB], same) => {
    const a = errorFingerprint({ errorType: 'Error', message: messageA!, stack: stackA });
    const b = errorFingerprint({ errorType: 'Error', message: messageB!, stack: stackB });
    expect(a === b).toBe(same);
  });
});

describe('buildReport', () => {
  it('groups errors by normalized message and frames, with count, first and last seen, fatal first', () => {
    const built = report([
      error('e1', 10, 'Order 1 failed'),
      error('e2', 20, 'Order 2 failed'),
      error('e3', 30, 'Order 3 failed'),
      { ...(error('f1', 40, 'Out of memory') as Extract<IngestItem, { kind: 'log' }>), level: 'fatal' },
      { kind: 'log', id: 'i1', timestamp: t(5), level: 'info', message: 'hello' },
    ]);
    expect(built.errorGroups!.map((group) => [group.level, group.count, group.firstSeen, group.lastSeen])).toEqual([
      ['fatal', 1, t(40), t(40)],
      ['error', 3, t(10), t(30)],
    ]);
    expect(built.errorGroups![1]!.topFrames[0]).toMatch(/submitOrder/);
    expect(built.stackTraces!.map((trace) => trace.itemId)).toEqual(['f1', 'e1']);
    expect(built.summary!.countsByLevel).toMatchObject({ info: 1, error: 3, fatal: 1, warn: 0 });
  });

  it.each([
    ['500', { status: 500 }, true],
    ['404', { status: 404 }, true],
    ['200', { status: 200 }, false],
    ['no status but an error', { status: undefined, error: 'connection reset' }, true],
    ['no status, no error', { status: undefined }, false],
  ])('a %s request failing = %s', (_name, fields, failing) => {
    const built = report([{ kind: 'network', id: 'n1', timestamp: t(1), method: 'GET', url: 'https://x/y', durationMs: 12, ...fields } as IngestItem]);
    expect(built.failingRequests!.length).toBe(failing ? 1 : 0);
  });

  it('keeps the breadcrumbs within the window before each error, oldest first, at most perError', () => {
    const crumbs: IngestItem[] = [-400, -100, -50, -10, 5].map((offset, index) => ({
      kind: 'breadcrumb',
      id: `c${index}`,
      timestamp: t(1000 + offset),
      category: 'ui',
      message: `crumb ${offset}`,
    }));
    const built = report([...crumbs, error('e1', 1000, 'boom')]);
    expect(built.breadcrumbTrails![0]!.breadcrumbs.map((crumb) => crumb.message)).toEqual(['crumb -100', 'crumb -50', 'crumb -10']);
  });

  it('builds the trace tree of failing traces depth-first with offsets, and leaves healthy traces out', () => {
    const span = (traceId: string, spanId: string, parent: string | undefined, start: number, end: number, failed = false): IngestItem => ({
      kind: 'span',
      traceId: traceId.repeat(32).slice(0, 32),
      spanId: spanId.repeat(16).slice(0, 16),
      parentSpanId: parent?.repeat(16).slice(0, 16),
      name: `span-${spanId}`,
      spanKind: 'internal',
      startTime: t(start),
      endTime: t(end),
      status: { code: failed ? 'error' : 'ok' },
    });
    const built = report([
      span('a', '1', undefined, 0, 10),
      span('a', '2', '1', 1, 4),
      span('a', '3', '2', 2, 3, true),
      span('a', '4', '1', 5, 9),
      span('b', '5', undefined, 0, 1),
    ]);
    expect(built.failingTraces).toHaveLength(1);
    expect(built.failingTraces![0]!.spans.map((entry) => [entry.name, entry.depth, entry.offsetMs])).toEqual([
      ['span-1', 0, 0],
      ['span-2', 1, 1000],
      ['span-3', 2, 2000],
      ['span-4', 1, 5000],
    ]);
    expect(built.summary!.counts).toMatchObject({ spans: 5, traces: 2, failingTraces: 1 });
  });

  it.each([
    ['errorGroups', 'errorGroups'],
    ['stackTraces', 'stackTraces'],
    ['failingRequests', 'failingRequests'],
    ['traceTree', 'failingTraces'],
    ['breadcrumbs', 'breadcrumbTrails'],
    ['screenshots', 'screenshots'],
    ['timeline', 'timeline'],
    ['summary', 'summary'],
  ] as const)('leaves out %s when the template switches it off', (section, field) => {
    const off: ReportTemplate = { ...template, sections: { ...template.sections, [section]: { ...template.sections[section], enabled: false } } };
    const built = report([error('e1', 1, 'x')], { template: off });
    expect(built[field]).toBeUndefined();
    expect(diagnosticReportSchema.safeParse(built).success).toBe(true);
  });

  it('applies the per-section limits and says what it cut', () => {
    const limited: ReportTemplate = { ...template, sections: { ...template.sections, errorGroups: { ...template.sections.errorGroups, maxGroups: 1 } } };
    const built = report([error('e1', 1, 'first problem'), error('e2', 2, 'second problem')], { template: limited });
    expect(built.errorGroups).toHaveLength(1);
    expect(built.summary!.truncated).toContain('errorGroups: 1 of 2');
  });
});

describe('renderReportHtml', () => {
  it('is one self-contained page: escaped content, inline SVG, no script or external asset', () => {
    const built = report([
      error('e1', 10, '<script>alert(1)</script>'),
      { kind: 'network', id: 'n1', timestamp: t(11), method: 'POST', url: 'https://api/x', status: 500, durationMs: 5, traceId: 'a'.repeat(32) },
      {
        kind: 'span',
        traceId: 'a'.repeat(32),
        spanId: '1'.repeat(16),
        name: 'root',
        spanKind: 'server',
        startTime: t(10),
        endTime: t(12),
        status: { code: 'error' },
      },
    ]);
    const html = renderReportHtml(built);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<svg /g)!.length).toBe(2);
    expect(html).not.toMatch(/<(?:link|img|iframe)\b|src=|url\(/i);
  });
});

describe('parseReportTemplate', () => {
  it.each([
    ['a negative limit', 'sections.errorGroups.maxGroups', (text: string) => text.replace('maxGroups: 50', 'maxGroups: -1')],
    ['an unknown section', 'sections', (text: string) => text.replace('  summary:\n', '  extras:\n    enabled: true\n  summary:\n')],
    ['a missing flag', 'sections.timeline.enabled', (text: string) => text.replace(/timeline:\n {4}enabled: true/, 'timeline:')],
  ])('refuses %s, naming %s', (_name, field, change) => {
    const text = change(readFileSync('config/plugins/debug/report_template.yaml', 'utf8'));
    expect(() => parseReportTemplate(text)).toThrow(field);
  });
});

describe('applyRegressionRun', () => {
  const alert = newAlert('demo', session.id, new Date(t(0)));
  const run = (runId: string, result: 'pass' | 'fail', at: number) => ({ runId, commit: 'abc123', result, reportedBy: 'ci', at: t(at) });
  it.each([
    ['a pass resolves', [run('r1', 'pass', 1)], 'resolved', [false]],
    ['a fail after a pass reopens', [run('r1', 'pass', 1), run('r2', 'fail', 2)], 'open', [false, false]],
    ['a repeated run id changes nothing', [run('r1', 'pass', 1), run('r2', 'fail', 2), run('r1', 'pass', 3)], 'open', [false, false, true]],
  ] as const)('%s', (_name, runs, status, duplicates) => {
    let current = alert;
    const seen: boolean[] = [];
    for (const next of runs) {
      const applied = applyRegressionRun(current, next);
      seen.push(applied.duplicate);
      current = applied.alert;
    }
    expect(current.status).toBe(status);
    expect(seen).toEqual(duplicates);
  });
});
