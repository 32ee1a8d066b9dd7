// The local host's conversion between node:http and the Functions model, through HTTP: what a handler sees of
// each request (method, url, query, headers, params, body or none) and that every kind of response body is
// answered exactly as the library's own HttpResponse renders it (status, headers, bytes).
import { Blob } from 'node:buffer';
import { request as httpRequest } from 'node:http';
import { ReadableStream } from 'node:stream/web';
import { HttpResponse, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestUrl } from '../../local-host/http-conversion';
import { registerHttpFunction } from '../../shared/runtime/registry';
import { startTestHost, type TestHost } from '../support/test-host';

interface SeenRequest {
  method: string;
  url: string;
  query: Record<string, string[]>;
  params: Record<string, string>;
  headers: Record<string, string>;
  bodyWasNull: boolean;
  text: string;
  bodyUsedAfterRead: boolean;
  cloneText?: string;
}

let seen: SeenRequest | undefined;

async function describeRequest(request: HttpRequest): Promise<SeenRequest> {
  const query: Record<string, string[]> = {};
  for (const key of new Set(request.query.keys())) query[key] = request.query.getAll(key);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const bodyWasNull = request.body === null;
  const cloneText = request.method === 'POST' ? await request.clone().text() : undefined;
  const text = await request.text();
  return {
    method: request.method,
    url: request.url,
    query,
    params: { ...request.params },
    headers,
    bodyWasNull,
    text,
    bodyUsedAfterRead: request.bodyUsed,
    cloneText,
  };
}

registerHttpFunction({
  name: 'test-echo-request',
  route: 'test-host/echo/{item}/{rest?}',
  methods: ['GET', 'HEAD', 'POST', 'DELETE'],
  handler: async (request) => {
    seen = await describeRequest(request);
    return { status: 200, body: 'seen' };
  },
});

/** What a handler that reads the body as bytes (as the endpoint wrapper does) sees then of the used body. */
let seenBytes: { text: string; bodyUsed: boolean; secondRead: string; clone: string } | undefined;

registerHttpFunction({
  name: 'test-echo-bytes',
  route: 'test-host/bytes',
  methods: ['POST'],
  handler: async (request) => {
    const text = Buffer.from(await request.arrayBuffer()).toString('utf8');
    const failure = (error: unknown) => (error instanceof TypeError ? 'TypeError' : String(error));
    const secondRead = await request.text().then(() => 'read again', failure);
    let clone = 'cloned';
    try {
      request.clone();
    } catch (error) {
      clone = failure(error);
    }
    seenBytes = { text, bodyUsed: request.bodyUsed, secondRead, clone };
    return { status: 200, body: 'seen' };
  },
});

/** Each response init the table below sends, keyed by the route's {kind}. */
const responses: Record<string, () => HttpResponseInit | HttpResponse> = {
  json: () => ({ jsonBody: { answer: 42, text: 'é' } }),
  'json-own-type': () => ({ status: 201, jsonBody: [1, 2], headers: { 'Content-Type': 'application/vnd.test+json' } }),
  string: () => ({ body: 'plain ünïcode' }),
  'string-own-type': () => ({ body: '<p>hi</p>', headers: { 'content-type': 'text/html' } }),
  buffer: () => ({ body: Buffer.from([0, 1, 2, 255]) }),
  uint8array: () => ({ body: new Uint8Array([9, 8, 7]) }),
  'uint8array-view': () => ({ body: new Uint8Array(Buffer.from('xxabcxx').buffer, Buffer.from('xxabcxx').byteOffset + 2, 3) }),
  arraybuffer: () => ({ body: new Uint8Array([65, 66]).buffer }),
  empty: () => ({ status: 202 }),
  'empty-string': () => ({ body: '' }),
  'not-modified-with-body': () => ({ status: 304, body: 'dropped', jsonBody: { dropped: true }, headers: { etag: '"v1"' } }),
  'no-content': () => ({ status: 204, headers: { 'x-kept': 'yes' } }),
  'headers-array': () => ({
    body: 'a',
    headers: [
      ['X-Repeated', 'one'],
      ['x-repeated', ' two '],
      ['X-Other', 'three'],
    ],
  }),
  'headers-object': () => ({
    body: 'a',
    headers: new Headers([
      ['x-one', '1'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]),
  }),
  stream: () => ({
    body: new ReadableStream({
      start: (controller) => {
        controller.enqueue(new TextEncoder().encode('streamed '));
        controller.enqueue(new TextEncoder().encode('body'));
        controller.close();
      },
    }),
  }),
  blob: () => ({ body: new Blob(['blob body'], { type: 'text/x-blob' }) }),
  'url-search-params': () => ({ body: new URLSearchParams({ a: '1', b: 'two words' }) }),
  'async-iterable': () => ({
    body: (async function* () {
      yield new TextEncoder().encode('it');
      yield new TextEncoder().encode('erated');
    })(),
  }),
  'http-response': () => new HttpResponse({ status: 203, jsonBody: { made: 'by the library' }, headers: { 'x-from': 'HttpResponse' } }),
};

registerHttpFunction({
  name: 'test-respond',
  route: 'test-host/respond/{kind}',
  methods: ['GET', 'HEAD'],
  handler: async (request) => responses[request.params.kind!]!(),
});

registerHttpFunction({
  name: 'test-respond-bad-status',
  route: 'test-host/bad-status',
  methods: ['GET'],
  handler: async () => ({ status: 99, body: 'never' }),
});

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.close());

/** A raw node:http exchange, so the test sees the exact headers on the wire and can send a body with GET. */
function exchange(method: string, path: string, options: { headers?: Record<string, string | string[]>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const outgoing = httpRequest(`${host.url}${path}`, { method, headers: options.headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, body: Buffer.concat(chunks) }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

describe('requests reach handlers as the Functions model HttpRequest', () => {
  it('GET: method, url, repeated query keys, decoded route params, headers (repeats joined), no body', async () => {
    seen = undefined;
    const response = await exchange('GET', '/api/test-host/echo/some%20item/more?tag=a&tag=b&single=x', {
      headers: { 'X-Custom': 'Value', 'x-list': ['one', 'two'], accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({
      method: 'GET',
      url: `${host.url}/api/test-host/echo/some%20item/more?tag=a&tag=b&single=x`,
      query: { tag: ['a', 'b'], single: ['x'] },
      params: { item: 'some item', rest: 'more' },
      bodyWasNull: true,
      text: '',
      bodyUsedAfterRead: false,
    });
    expect(seen!.headers).toMatchObject({ 'x-custom': 'Value', 'x-list': 'one, two', accept: 'application/json', host: new URL(host.url).host });
  });

  it('the endpoint wrapper reads repeated query keys as lists and leaves a __proto__ key inert', async () => {
    const { queryObject } = await import('../../shared/http/endpoint');
    const { HttpRequest } = await import('@azure/functions');
    const request = new HttpRequest({ method: 'GET', url: 'http://x/api?a=1&b=2&a=3&a=&__proto__=p&__proto__=q&c=' });
    const query = queryObject(request);
    expect(query).toEqual({ a: ['1', '3', ''], b: '2', c: '' });
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
  });

  it('GET with a body: the body is dropped, as the Functions model does for GET and HEAD', async () => {
    seen = undefined;
    const response = await exchange('GET', '/api/test-host/echo/x', {
      headers: { 'content-type': 'text/plain', 'content-length': '12' },
      body: 'ignored body',
    });
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ method: 'GET', bodyWasNull: true, text: '' });
    // The unread body does not spill into the next request on the kept-alive connection.
    expect((await exchange('GET', '/api/test-host/echo/next')).status).toBe(200);
    expect(seen).toMatchObject({ params: { item: 'next' } });
  });

  it('HEAD: the handler runs with no body, and the answer has the GET headers and no bytes', async () => {
    seen = undefined;
    const response = await exchange('HEAD', '/api/test-host/echo/x?probe=1');
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ method: 'HEAD', query: { probe: ['1'] }, bodyWasNull: true, text: '' });
    expect(response.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(response.headers['content-length']).toBe('4');
    expect(response.body.length).toBe(0);
  });

  it('POST: the body reads as text, once, and a clone reads it too', async () => {
    seen = undefined;
    const response = await exchange('POST', '/api/test-host/echo/x', {
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"a":"ü"}')) },
      body: '{"a":"ü"}',
    });
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ method: 'POST', bodyWasNull: false, text: '{"a":"ü"}', cloneText: '{"a":"ü"}', bodyUsedAfterRead: true });
  });

  it('POST read as bytes: the exact bytes, once; the body is used after, so a second read or a clone fails as with a fetch Request', async () => {
    for (const body of ['{"a":"ü"}', 'x'.repeat(70_000)]) {
      seenBytes = undefined;
      const response = await exchange('POST', '/api/test-host/bytes', {
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        body,
      });
      expect(response.status).toBe(200);
      expect(seenBytes).toEqual({ text: body, bodyUsed: true, secondRead: 'TypeError', clone: 'TypeError' });
    }
  });

  it('POST with a chunked body (no Content-Length): read in full', async () => {
    seen = undefined;
    const response = await exchange('POST', '/api/test-host/echo/x', {
      headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
      body: 'chunked text',
    });
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ method: 'POST', bodyWasNull: false, text: 'chunked text' });
  });

  it('DELETE without a body: the handler sees none', async () => {
    seen = undefined;
    const response = await exchange('DELETE', '/api/test-host/echo/x');
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ method: 'DELETE', bodyWasNull: true, text: '' });
  });
});

/** What the library itself makes of a handler result: the worker converts every result through HttpResponse. */
async function libraryRendering(init: HttpResponseInit | HttpResponse) {
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    const known = headers[key];
    headers[key] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  });
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

describe('every kind of handler result is answered as the library renders it', () => {
  it.each(Object.keys(responses))('%s', async (kind) => {
    const expected = await libraryRendering(responses[kind]!());
    const actual = await exchange('GET', `/api/test-host/respond/${kind}`);
    expect(actual.status).toBe(expected.status);
    expect(actual.body.toString('hex')).toBe(expected.body.toString('hex'));
    for (const [name, value] of Object.entries(expected.headers)) expect(actual.headers[name], name).toEqual(value);
    // Besides the library's headers only what node:http itself adds, and the body's length.
    const added = Object.keys(actual.headers).filter((name) => !(name in expected.headers));
    expect(
      added.every((name) => ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)),
      added.join(),
    ).toBe(true);
    if (actual.headers['content-length'] !== undefined) expect(Number(actual.headers['content-length'])).toBe(expected.body.length);
  });

  it('HEAD answers the headers of each kind, without bytes', async () => {
    const actual = await exchange('HEAD', '/api/test-host/respond/json');
    const expected = await libraryRendering(responses.json!());
    expect(actual.status).toBe(200);
    expect(actual.headers['content-type']).toBe('application/json');
    expect(actual.headers['content-length']).toBe(String(expected.body.length));
    expect(actual.body.length).toBe(0);
  });

  it('a status fetch cannot represent is an internal error, as with the library', async () => {
    expect(() => new HttpResponse({ status: 99 })).toThrow(RangeError);
    const actual = await exchange('GET', '/api/test-host/bad-status');
    expect(actual.status).toBe(500);
  });
});

describe('request URLs', () => {
  const targets = [
    '/api/diagnostics/config?deviceId=bench-device-1&platform=ios&appVersion=5.12.0',
    '/api/x',
    '/api/x/',
    '/api/x?',
    '/api/x?a=1&a=2&b=%20c',
    '/api/some%20item/more',
    '/api/x/../y',
    '/api/x/./y',
    '/api/x/%2e%2E/y',
    '/api/x/.hidden',
    '//evil.example/api/x',
    '/\\evil.example/api/x',
    '/api/x y?q=a b',
    '/api/x"<>`{}',
    "/api/x?q='quoted'",
    '/api/x#fragment',
    '/api/ünï?q=ü',
    '/api/x?next=/./y',
    '*',
  ];
  const hosts = ['127.0.0.1:7071', 'LOCALHOST:80', 'Example.COM', '127.1:8080', '[::1]:7071'];

  it.each(hosts)('gives what new URL gives, for every target, with Host %s', (host) => {
    for (const target of targets) {
      const expected = new URL(target, `http://${host}`);
      expect(requestUrl(target, host), target).toEqual({ href: expected.href, pathname: expected.pathname });
    }
  });

  it('a Host no URL can be made of is a 400, and the host keeps serving', async () => {
    const response = await exchange('GET', '/api/test-host/echo/x', { headers: { host: 'bad host' } });
    expect(response.status).toBe(400);
    expect((await exchange('GET', '/api/test-host/echo/x')).status).toBe(200);
  });
});

describe('routing', () => {
  it('matches a literal route whatever its case and a trailing slash, and says 405 for another method', async () => {
    expect((await exchange('GET', '/api/Test-Host/Bad-Status/')).status).toBe(500);
    expect((await exchange('POST', '/api/test-host/bad-status', { headers: { 'content-length': '0' } })).status).toBe(405);
    expect((await exchange('GET', '/api/test-host/nothing-here')).status).toBe(404);
  });
});
