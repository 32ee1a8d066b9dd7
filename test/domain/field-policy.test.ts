// The field access policy as data: the shipped file parses, bad files fail naming the offending path, and the one
// pure function withholds exactly what the table says for each role set, leaving every other field as it was.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFieldPolicyPath, loadFieldPolicy } from '../../shared/config/field-access';
import { applyFieldPolicy, FieldAccessView, isWithheld, parseFieldPolicy, recordKinds } from '../../shared/domain/access/field-policy';
import type { Role } from '../../shared/domain/access/principal';

const policy = loadFieldPolicy();
const MARKER = { withheld: 'requires Diagnostics.Sensitive' };
const roles = (...names: Role[]) => new Set<Role>(names);

const network = {
  docType: 'network',
  itemId: 'n1',
  method: 'POST',
  url: 'https://api.example.com/orders',
  status: 502,
  durationMs: 120,
  requestHeaders: { authorization: 'Bearer x' },
  responseHeaders: { 'set-cookie': 'a=b' },
  requestBody: '{"card":"4111"}',
  responseBody: '{"error":"gateway"}',
};
const log = {
  docType: 'log',
  itemId: 'l1',
  level: 'error',
  message: 'order failed',
  context: { orderId: 'o-1' },
  error: { type: 'TypeError', message: 'x is undefined', stack: 'at pay (pay.ts:3)' },
};
const span = {
  docType: 'span',
  spanId: '0000000000000001',
  name: 'pay',
  attributes: { 'http.method': 'POST', 'http.request.header.authorization': 'Bearer y', 'exception.stacktrace': 'at charge' },
  events: [
    { name: 'exception', time: '2026-01-01T00:00:00Z', attributes: { 'exception.type': 'Error', 'exception.stacktrace': 'at a\nat b' } },
    { name: 'retry', time: '2026-01-01T00:00:01Z' },
  ],
};

describe('the shipped policy', () => {
  it('parses, names every record kind, and restricts only to the sensitive role', () => {
    expect(Object.keys(policy.document.kinds).sort()).toEqual([...recordKinds].sort());
    const visibleTo = new Set(Object.values(policy.document.kinds).flatMap((rules) => rules.flatMap((rule) => rule.visibleTo)));
    expect([...visibleTo]).toEqual(['sensitive']);
  });
});

describe('a bad policy fails at start, naming the path', () => {
  const good = readFileSync(defaultFieldPolicyPath(), 'utf8');
  it.each([
    [
      'an unknown role',
      good.replace('path: context\n      visibleTo: [sensitive]', 'path: context\n      visibleTo: [auditor]'),
      /kinds\.log\.0\.visibleTo\.0/,
    ],
    ['an unknown kind', `${good}\n  invoice: []\n`, /kinds: Unrecognized key/i],
    ['a missing kind', good.replace(/\n {2}breadcrumb: \[\]/, ''), /kinds\.breadcrumb/],
    ['no role at all', good.replace('path: context\n      visibleTo: [sensitive]', 'path: context\n      visibleTo: []'), /kinds\.log\.0\.visibleTo/],
    ['a duplicate path', good.replace('{ path: responseHeaders,', '{ path: requestHeaders,'), /kinds\.network\.1\.path: duplicate path requestHeaders/],
    ['an empty segment', good.replace('path: error/stack', 'path: error//stack'), /kinds\.log\.1\.path/],
    ['another version', good.replace('version: 1', 'version: 2'), /version/],
    ['not YAML', 'kinds: [', /not YAML/],
  ])('%s', (_name, text, message) => {
    expect(() => parseFieldPolicy(text, 'test policy')).toThrow(message);
  });
});

describe('loading the policy file at start', () => {
  it('names the file and the offending entry', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'field-policy-')), 'policy.yaml');
    writeFileSync(
      file,
      readFileSync(defaultFieldPolicyPath(), 'utf8').replace('{ path: requestBody, visibleTo: [sensitive]', '{ path: requestBody, visibleTo: [everyone]'),
    );
    expect(() => loadFieldPolicy(file)).toThrow(new RegExp(`Invalid ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: kinds\\.network\\.2\\.visibleTo\\.0`));
  });
});

describe('applyFieldPolicy', () => {
  const table: Array<[string, Role[], boolean]> = [
    ['viewer', ['viewer'], false],
    ['engineer', ['engineer'], false],
    ['admin', ['admin'], false],
    ['viewer + sensitive', ['viewer', 'sensitive'], true],
    ['engineer + sensitive', ['engineer', 'sensitive'], true],
    ['admin + sensitive', ['admin', 'sensitive'], true],
  ];

  it.each(table)('network captures for %s', (_name, held, sees) => {
    const { value, revealed, withheld } = applyFieldPolicy(policy, roles(...held), 'network', network);
    const restricted = ['requestHeaders', 'responseHeaders', 'requestBody', 'responseBody'] as const;
    for (const field of restricted) expect(value[field]).toEqual(sees ? network[field] : MARKER);
    const { requestHeaders, responseHeaders, requestBody, responseBody, ...open } = value;
    void [requestHeaders, responseHeaders, requestBody, responseBody];
    const { requestHeaders: a, responseHeaders: b, requestBody: c, responseBody: d, ...original } = network;
    void [a, b, c, d];
    expect(open).toEqual(original);
    const names = restricted.map((field) => `network.${field}`);
    expect(sees ? revealed : withheld).toEqual(names);
    expect(sees ? withheld : revealed).toEqual([]);
  });

  it.each(table)('logs and spans for %s', (_name, held, sees) => {
    const logView = applyFieldPolicy(policy, roles(...held), 'log', log).value;
    expect(logView.context).toEqual(sees ? log.context : MARKER);
    expect(logView.error).toEqual(sees ? log.error : { type: 'TypeError', message: 'x is undefined', stack: MARKER });
    expect(logView.message).toBe(log.message);

    const spanView = applyFieldPolicy(policy, roles(...held), 'span', span).value;
    expect(spanView.attributes['http.method']).toBe('POST');
    expect(spanView.attributes['http.request.header.authorization']).toEqual(sees ? 'Bearer y' : MARKER);
    expect(spanView.attributes['exception.stacktrace']).toEqual(sees ? 'at charge' : MARKER);
    expect(spanView.events[0]!.attributes!['exception.stacktrace']).toEqual(sees ? 'at a\nat b' : MARKER);
    expect(spanView.events[0]!.attributes!['exception.type']).toBe('Error');
    // An event without attributes gets none added.
    expect(spanView.events[1]).toEqual(span.events[1]);
  });

  it('never changes its input, returns the same object when nothing is withheld, and adds no marker for an absent field', () => {
    const before = JSON.stringify(network);
    applyFieldPolicy(policy, roles('viewer'), 'network', network);
    expect(JSON.stringify(network)).toBe(before);
    const sensitive = applyFieldPolicy(policy, roles('viewer', 'sensitive'), 'network', network);
    expect(sensitive.value).toBe(network);
    const bare = { docType: 'network', url: 'https://x', method: 'GET' };
    const outcome = applyFieldPolicy(policy, roles('viewer'), 'network', bare);
    expect(outcome.value).toEqual(bare);
    expect(outcome.withheld).toEqual([]);
    expect(applyFieldPolicy(policy, roles('viewer'), 'breadcrumb', { data: { a: 1 } }).value).toEqual({ data: { a: 1 } });
  });

  it('reports (stored whole) are withheld by path, down lists of lists', () => {
    const report = {
      failingRequests: [{ url: 'https://x', requestBody: 'card', responseBody: undefined }],
      failingTraces: [{ spans: [{ name: 'a', attributes: { 'exception.stacktrace': 's', ok: 1 } }, { name: 'b' }] }],
      screenshots: [{ id: 'sc_1', readUrl: 'https://blob/sas', readUrlExpiresAt: '2026-01-01T00:00:00Z' }],
    };
    const { value } = applyFieldPolicy(policy, roles('engineer'), 'report', report);
    expect(value.failingRequests[0]).toEqual({ url: 'https://x', requestBody: MARKER, responseBody: undefined });
    expect(value.failingTraces[0]!.spans).toEqual([{ name: 'a', attributes: { 'exception.stacktrace': MARKER, ok: 1 } }, { name: 'b' }]);
    expect(value.screenshots[0]).toEqual({ id: 'sc_1', readUrl: MARKER, readUrlExpiresAt: MARKER });
    expect(isWithheld(value.screenshots[0]!.readUrl)).toBe(true);
  });

  it('a view sums what one request showed and withheld, for its one audit record', () => {
    const viewer = new FieldAccessView(policy, roles('viewer'));
    viewer.apply('network', network);
    viewer.apply('log', log);
    expect(viewer.summary()).toEqual({
      sensitive: false,
      fieldsRead: [],
      fieldsWithheld: ['log.context', 'log.error/stack', 'network.requestBody', 'network.requestHeaders', 'network.responseBody', 'network.responseHeaders'],
    });
    const reader = new FieldAccessView(policy, roles('viewer', 'sensitive'));
    reader.apply('log', { ...log, error: undefined });
    expect(reader.summary()).toEqual({ sensitive: true, fieldsRead: ['log.context'], fieldsWithheld: [] });
    expect(reader.markerFor('screenshot', 'readUrl')).toBeUndefined();
    expect(viewer.markerFor('screenshot', 'readUrl')).toEqual(MARKER);
  });
});
