// The live tail's pure rules: cursor order and encoding, complete seconds, filters, SSE framing.
import { describe, expect, it } from 'vitest';
import {
  compareCursors,
  cursorAtEndOfSecond,
  decodeCursor,
  encodeCursor,
  lastCompleteSecond,
  matchesTailFilter,
  sseEvent,
  type TailCursor,
  type TailDoc,
} from '../../shared/domain/telemetry/tail';

const cursor = (commitSecond: number, receivedAt: string, time: string, id: string): TailCursor => ({ commitSecond, receivedAt, time, id });

describe('tail cursor', () => {
  it.each([
    [cursor(10, 'b', 'a', 'a'), cursor(11, 'a', 'a', 'a'), -1],
    [cursor(10, 'a', 'z', 'z'), cursor(10, 'b', 'a', 'a'), -1],
    [cursor(10, 'a', 'a', 'z'), cursor(10, 'a', 'b', 'a'), -1],
    [cursor(10, 'a', 'a', 'a'), cursor(10, 'a', 'a', 'b'), -1],
    [cursor(10, 'a', 'a', 'a'), cursor(10, 'a', 'a', 'a'), 0],
  ])('orders by commit second, receivedAt, item time, id (%#)', (left, right, sign) => {
    expect(Math.sign(compareCursors(left, right))).toBe(sign);
    expect(Math.sign(compareCursors(right, left)) || 0).toBe(-sign || 0);
  });

  it('puts the end of a second after every item of it and before every later one', () => {
    const end = cursorAtEndOfSecond(10);
    expect(compareCursors(cursor(10, '2026-12-05T08:00:00.999Z', '9999', 'log:zzz'), end)).toBeLessThan(0);
    expect(compareCursors(cursor(11, '', '', ''), end)).toBeGreaterThan(0);
  });

  it('round-trips and refuses what it did not make', () => {
    const value = cursor(1_765_000_000, '2026-12-05T08:00:00.123Z', '2026-12-05T08:00:00.100Z', 'log:abc');
    expect(decodeCursor(encodeCursor(value))).toEqual(value);
    for (const bad of [
      '',
      'abc',
      'tc1.',
      'tc1.!!!',
      `tc1.${Buffer.from('[1,2]').toString('base64url')}`,
      `tc1.${Buffer.from('[-1,"a","b","c"]').toString('base64url')}`,
      `tc1.${'a'.repeat(600)}`,
    ]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });

  it('takes a second as complete once the clock is past its end by the settle time', () => {
    expect(lastCompleteSecond(10_999, 0)).toBe(9);
    expect(lastCompleteSecond(11_000, 0)).toBe(10);
    expect(lastCompleteSecond(11_499, 500)).toBe(9);
    expect(lastCompleteSecond(11_500, 500)).toBe(10);
  });
});

describe('tail filter', () => {
  const base = { id: 'x', pk: 'p', productId: 'demo', sessionId: 's', itemId: 'x', receivedAt: 'r', redaction: { fieldsRedacted: [], patternsMatched: [] } };
  const log = { ...base, docType: 'log', timestamp: 't', level: 'error', message: 'payment failed' } as TailDoc;
  const span = {
    ...base,
    docType: 'span',
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    name: 'pay',
    spanKind: 'internal',
    startTime: 't',
    endTime: 't',
    status: { code: 'error' },
    durationMs: 1,
  } as TailDoc;
  const network = { ...base, docType: 'network', timestamp: 't', method: 'GET', url: 'https://x/pay', status: 500, durationMs: 3 } as TailDoc;
  it.each([
    [log, {}, true],
    [log, { levels: ['error' as const] }, true],
    [log, { levels: ['warn' as const] }, false],
    [log, { types: ['span' as const] }, false],
    [log, { text: 'payment' }, true],
    [log, { text: 'Payment' }, false],
    [span, { levels: ['error' as const] }, false],
    [span, { text: 'pay', types: ['span' as const] }, true],
    [network, { text: '/pay' }, true],
  ])('%#', (doc, filter, expected) => {
    expect(matchesTailFilter(doc, filter)).toBe(expected);
  });
});

describe('SSE framing', () => {
  it('prefixes every data line, so a value cannot inject fields or events', () => {
    expect(sseEvent({ event: 'item', id: 'c1', data: 'a\nevent: end\n\nb' })).toBe('event: item\nid: c1\ndata: a\ndata: event: end\ndata: \ndata: b\n\n');
    expect(sseEvent({ data: { message: 'x\ny' } })).toBe('data: {"message":"x\\ny"}\n\n');
  });
});
