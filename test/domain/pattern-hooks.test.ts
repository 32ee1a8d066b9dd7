// Pattern hooks, the pure part: what a rule matches, which regexes are refused, the deep link, and the
// throttle deciding several sends per window.
import { describe, expect, it } from 'vitest';
import { decideThrottle } from '../../shared/domain/events/throttle';
import { compileHook, compileHookRegex, createHookRequestSchema, itemDeepLink, newHook } from '../../shared/domain/hooks/pattern-hook';
import type { TailDoc } from '../../shared/domain/telemetry/tail';

const base = { pk: 'p', productId: 'demo', sessionId: 's', receivedAt: 'r', redaction: { fieldsRedacted: [], patternsMatched: [] } };
const log = (level: string, message: string, module?: string) =>
  ({ ...base, id: `log:${message}`, itemId: message, docType: 'log', timestamp: 't', level, message, module }) as TailDoc;
const network = (status: number, url: string) =>
  ({ ...base, id: 'network:n', itemId: 'n', docType: 'network', timestamp: 't', method: 'GET', url, status, durationMs: 1 }) as TailDoc;

function hookWith(match: Record<string, unknown>) {
  return compileHook(newHook('demo', createHookRequestSchema.parse({ name: 'h', match, action: { notify: ['slack'] } }), 'admin', new Date(0)));
}

describe('hook matching', () => {
  it.each([
    [{ level: ['error'], textContains: 'payment' }, log('error', 'payment declined'), true],
    [{ level: ['error'], textContains: 'payment' }, log('error', 'Payment declined'), false],
    [{ level: ['error'], textContains: 'payment' }, log('warn', 'payment declined'), false],
    [{ regex: '^order ORD-\\d+ (failed|stuck)$' }, log('info', 'order ORD-12 stuck'), true],
    [{ regex: '^order ORD-\\d+ (failed|stuck)$' }, log('info', 'order ORD-12 ok'), false],
    [{ module: 'checkout' }, log('info', 'x', 'checkout'), true],
    [{ module: 'checkout' }, log('info', 'x', 'cart'), false],
    [{ statusAtLeast: 500 }, network(502, 'https://api/x'), true],
    [{ statusAtLeast: 500 }, network(404, 'https://api/x'), false],
    [{ statusAtLeast: 500 }, log('error', 'x'), false],
    [{ type: ['network'], textContains: '/pay' }, network(200, 'https://api/pay'), true],
    [{ type: ['breadcrumb'] }, log('error', 'x'), false],
  ])('%j on %#', (match, doc, expected) => {
    expect(hookWith(match).matches(doc)).toBe(expected);
  });

  it('stays linear on input that makes backtracking engines explode', () => {
    const hook = hookWith({ regex: '(a|aa)*c' });
    const started = performance.now();
    expect(hook.matches(log('info', `${'a'.repeat(5000)}b`))).toBe(false);
    // A backtracking engine takes exponential time here; RE2 semantics stay well under a second on any machine.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('regex checks', () => {
  it.each(['(a+)+$', '(x*){2,}', '(\\w+)\\1', '(?<=a)b', 'a(?!b)', '(x{1000}){1000}', 'a'.repeat(257), '[unclosed'])(
    'refuses %s naming match.regex',
    (pattern) => {
      expect(() => compileHookRegex(pattern)).toThrowError(
        expect.objectContaining({ kind: 'invalid_input', issues: [expect.objectContaining({ field: 'match.regex' })] }),
      );
    },
  );

  it.each(['payment (declined|failed)', '^\\[PAY\\] .{0,40}$', '\\d{3}-\\d{4}', '(?i)timeout'])('accepts %s', (pattern) => {
    expect(() => compileHookRegex(pattern)).not.toThrow();
  });
});

it('links to the item on the dashboard', () => {
  expect(itemDeepLink('https://d.example.com/', 'ds_1', 'a b')).toBe('https://d.example.com/sessions/ds_1?tab=logs&item=a%20b');
});

describe('throttle with several sends per window', () => {
  const now = new Date('2026-12-05T08:00:00Z');
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
  it('sends up to max in a window, folds the rest, resends a redelivered one, and opens a new window after', () => {
    const first = decideThrottle(undefined, 'k', 'e1', now, 60_000, 2);
    expect(first).toMatchObject({ action: 'send', write: 'create' });
    const state1 = (first as { next: any }).next;
    const second = decideThrottle(state1, 'k', 'e2', later(1), 60_000, 2);
    expect(second).toMatchObject({ action: 'send', write: 'replace', next: { sentEventIds: ['e1', 'e2'] } });
    const state2 = (second as { next: any }).next;
    expect(decideThrottle(state2, 'k', 'e3', later(2), 60_000, 2)).toEqual({ action: 'fold' });
    expect(decideThrottle(state2, 'k', 'e2', later(3), 60_000, 2)).toMatchObject({ action: 'send', write: 'none' });
    expect(decideThrottle({ ...state2, folded: 4 }, 'k', 'e5', later(61), 60_000, 2)).toMatchObject({ action: 'send', folded: 4, write: 'replace' });
  });

  it('keeps one send per window by default', () => {
    const state = (decideThrottle(undefined, 'k', 'e1', now, 60_000) as { next: any }).next;
    expect(decideThrottle(state, 'k', 'e2', later(1), 60_000)).toEqual({ action: 'fold' });
  });
});
