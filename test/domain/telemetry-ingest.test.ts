// Pure ingest logic, table-driven: OTLP value mapping, item validation and time window, stats deltas,
// enrichment, span trees and the timeline merge.
import { describe, expect, it } from 'vitest';
import { coarseRegion, enrichDevice } from '../../shared/domain/telemetry/enrichment';
import { documentIdOf, parseItems, statsDelta, timeInMs, timeWindowRejection, type StoredDoc } from '../../shared/domain/telemetry/ingest';
import type { IngestItem, SpanDoc } from '../../shared/domain/telemetry/items';
import { anyValueToJs, levelOf, mapLogsRequest, mapTraceRequest, nanosToIso } from '../../shared/domain/telemetry/otlp';
import { buildSpanTree } from '../../shared/domain/telemetry/span-tree';
import { mergeTimelinePage } from '../../shared/domain/telemetry/timeline';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('OTLP values', () => {
  it.each([
    [{ stringValue: 'a' }, 'a'],
    [{ boolValue: false }, false],
    [{ intValue: '42' }, 42],
    [{ intValue: 7 }, 7],
    [{ intValue: '9223372036854775807' }, '9223372036854775807'],
    [{ doubleValue: 1.5 }, 1.5],
    [{ arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }] } }, ['x', 1]],
    [{ kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } }, { k: true }],
    [{}, null],
  ])('AnyValue %j becomes %j', (value, expected) => {
    expect(anyValueToJs(value)).toEqual(expected);
  });

  it.each([
    ['1772366400000000000', '2026-03-01T12:00:00.000Z'],
    // A JSON number past 2^53, as some exporters send it: parsed with the precision lost, still the right millisecond.
    // eslint-disable-next-line no-loss-of-precision
    [1772366400123456789, '2026-03-01T12:00:00.123Z'],
    ['0', undefined],
    [undefined, undefined],
  ])('unix nanos %j become %j', (nanos, expected) => {
    expect(nanosToIso(nanos as string | number | undefined)).toBe(expected);
  });

  it.each([
    [1, undefined, 'trace'],
    [8, undefined, 'debug'],
    [9, 'WARN', 'info'],
    [16, undefined, 'warn'],
    [17, undefined, 'error'],
    [24, undefined, 'fatal'],
    [0, 'Warning', 'warn'],
    [undefined, 'CRITICAL', 'fatal'],
    ['SEVERITY_NUMBER_ERROR2', undefined, 'error'],
    [undefined, undefined, 'info'],
  ])('severityNumber %j with text %j is %s', (number, text, level) => {
    expect(levelOf(number as number | string | undefined, text)).toBe(level);
  });

  it('maps spans with kinds, status, scope, resource and the token attribute left out', () => {
    const mapped = mapTraceRequest(
      {
        resourceSpans: [
          {
            resource: {
              attributes: [
                { key: 'service.version', value: { stringValue: '1.2' } },
                { key: 'diagnostics.ingest_token', value: { stringValue: 'it1.x.y' } },
              ],
            },
            scopeSpans: [
              {
                scope: { name: 'lib', version: '3' },
                spans: [
                  {
                    traceId: 'AB'.repeat(16),
                    spanId: 'CD'.repeat(8),
                    parentSpanId: '',
                    name: 'op',
                    kind: 3,
                    startTimeUnixNano: '1772366400000000000',
                    endTimeUnixNano: '1772366400500000000',
                    status: { code: 2, message: 'boom' },
                  },
                ],
              },
            ],
          },
        ],
      },
      now,
    );
    expect(mapped.tokens).toEqual(new Set(['it1.x.y']));
    expect(mapped.device).toEqual({ appVersion: '1.2' });
    expect(mapped.items[0]).toMatchObject({
      kind: 'span',
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      parentSpanId: undefined,
      spanKind: 'client',
      startTime: '2026-03-01T12:00:00.000Z',
      endTime: '2026-03-01T12:00:00.500Z',
      status: { code: 'error', message: 'boom' },
      attributes: { 'resource.service.version': '1.2', 'otel.scope.name': 'lib', 'otel.scope.version': '3' },
    });
    expect(JSON.stringify(mapped.items)).not.toContain('it1.x.y');
  });

  it('gives log records stable content-derived ids and falls back to the observed time', () => {
    const request = {
      resourceLogs: [
        {
          scopeLogs: [{ scope: { name: 'm' }, logRecords: [{ observedTimeUnixNano: '1772366400000000000', severityNumber: 13, body: { stringValue: 'hi' } }] }],
        },
      ],
    };
    const first = mapLogsRequest(request, now).items[0] as { id: string; timestamp: string; level: string; module: string };
    const again = mapLogsRequest(request, now).items[0] as { id: string };
    expect(first.id).toBe(again.id);
    expect(first).toMatchObject({ timestamp: '2026-03-01T12:00:00.000Z', level: 'warn', module: 'm' });
  });
});

describe('items', () => {
  const log = (fields: Record<string, unknown> = {}) => ({ kind: 'log', id: 'a', timestamp: now.toISOString(), level: 'info', message: 'm', ...fields });

  it('names each invalid field by index and keeps the valid entries with their index', () => {
    const parsed = parseItems([log(), log({ level: 'loud' }), log({ id: 'c' })]);
    expect(parsed.entries.map((entry) => entry.index)).toEqual([0, 2]);
    expect(parsed.issues).toEqual([{ field: 'items.1.level', message: expect.any(String) }]);
    expect(parsed.invalid).toEqual([{ index: 1, kind: 'log', id: 'a', message: expect.stringContaining('items.1.level') }]);
  });

  it('fills the forced kind and refuses any other', () => {
    const { kind: _kind, ...bare } = log();
    expect(parseItems([bare], 'log').entries).toHaveLength(1);
    expect(parseItems([log()], 'span').issues[0]!.field).toBe('items.0.kind');
  });

  it.each([
    [-7 * 86_400_000 + 1000, undefined],
    [-7 * 86_400_000 - 1000, 'too_old'],
    [3_600_000 - 1000, undefined],
    [3_600_000 + 1000, 'in_future'],
  ])('an item %i ms from now is %s', (offset, expected) => {
    const item = parseItems([log({ timestamp: new Date(now.getTime() + offset).toISOString() })]).entries[0]!.item;
    expect(timeWindowRejection(item, now)).toBe(expected);
  });

  it('reads item times as Date.parse does, canonical or not, real dates or rolled over', () => {
    const texts = [
      '2026-03-01T11:59:58.123Z',
      '2026-03-01T11:59:58Z',
      '2026-03-01T13:59:57.5+02:00',
      '2026-03-01T11:59:57.123456Z',
      '0050-01-01T00:00:00.000Z',
      '0100-01-01T00:00:00.000Z',
    ];
    texts.push(
      '2026-03-01T24:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-01T00:60:00.000Z',
      '2026-01-01T00:00:60.000Z',
    );
    texts.push('2026-01-01T00:00:00.00xZ', '2026-01-01T00:00:00.000z', '2026-01-01 00:00:00.000Z', '+02026-01-01T00:00:00.000Z', '', 'garbage');
    for (const year of [100, 1970, 2000, 2024, 2026, 2100, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++)
          texts.push(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59.999Z`);
      }
    }
    for (let offset = 0; offset < 2_000; offset++) texts.push(new Date(now.getTime() - offset * 987_654_321).toISOString());
    for (const text of texts) expect(timeInMs(text), text).toBe(Date.parse(text));
  });

  it('derives document ids from kind and item id (span id when a span has none)', () => {
    const span = { kind: 'span', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'n', startTime: now.toISOString(), endTime: now.toISOString() };
    const items = parseItems([log({ id: 'x' }), span]).entries.map((entry) => entry.item as IngestItem);
    expect(items.map(documentIdOf)).toEqual(['log:x', `span:${'b'.repeat(16)}`]);
  });

  it('counts created documents into the stats, errors from logs and spans', () => {
    const docs = [
      { docType: 'log', level: 'fatal' },
      { docType: 'log', level: 'info' },
      { docType: 'span', status: { code: 'error' } },
      { docType: 'breadcrumb' },
      { docType: 'network' },
    ] as unknown as StoredDoc[];
    expect(statsDelta(docs)).toEqual({ logCount: 2, traceCount: 1, breadcrumbCount: 1, networkCount: 1, errorCount: 2 });
  });
});

describe('enrichment', () => {
  it.each([
    ['de', 'DE'],
    ['US-CA', 'US-CA'],
    ['203.0.113.7', undefined],
    ['Germany', undefined],
    [null, undefined],
  ])('region header %j gives %j', (value, expected) => {
    expect(coarseRegion(value)).toBe(expected);
  });

  it('parses the user agent into browser and OS and drops the raw string', () => {
    const device = enrichDevice(
      {
        deviceId: 'd',
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
      },
      null,
      'fr',
    );
    expect(device).toEqual({ deviceId: 'd', browser: 'Mobile Safari 17.1', os: 'iOS 17.1', region: 'FR' });
  });
});

describe('span tree', () => {
  const span = (spanId: string, parentSpanId?: string, second = 0): SpanDoc =>
    ({ spanId, parentSpanId, startTime: `2026-01-01T00:00:0${second}.000Z`, name: spanId }) as SpanDoc;

  it('nests children in start order and keeps orphans and cycles as roots', () => {
    const roots = buildSpanTree([span('c', 'a', 2), span('a', undefined, 0), span('b', 'a', 1), span('o', 'missing', 3), span('x', 'y', 4), span('y', 'x', 5)]);
    const shape = (node: { spanId: string; orphan?: true; children: unknown[] }): unknown => [
      node.spanId,
      node.orphan ?? false,
      node.children.map((child) => shape(child as never)),
    ];
    expect(roots.map(shape)).toEqual([
      [
        'a',
        false,
        [
          ['b', false, []],
          ['c', false, []],
        ],
      ],
      ['o', true, []],
      ['x', true, []],
      ['y', true, []],
    ]);
  });
});

describe('timeline merge', () => {
  const entry = (id: string, second: number) => ({ id, time: `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z` });

  it('does not pass a source that stopped early, and carries ties in the cursor', () => {
    const first = mergeTimelinePage(
      [
        { entries: [entry('a', 1), entry('b', 5)], more: true },
        { entries: [entry('x', 2), entry('y', 9)], more: false },
      ],
      undefined,
      'oldest',
      3,
    );
    expect(first.entries.map((item) => item.id)).toEqual(['a', 'x', 'b']);
    expect(first.next).toEqual({ order: 'oldest', time: entry('b', 5).time, seen: ['b'] });
    const last = mergeTimelinePage(
      [
        { entries: [entry('b', 5)], more: false },
        { entries: [entry('y', 9)], more: false },
      ],
      first.next,
      'oldest',
      3,
    );
    expect(last.entries.map((item) => item.id)).toEqual(['y']);
    expect(last.next).toBeUndefined();
  });
});
