// Between node:http and the Functions model: each request becomes the library's own HttpRequest, each
// handler result is written as the library's HttpResponse would answer it, without web streams where none are needed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { HttpRequest, HttpResponse, type HttpRequestInit, type HttpResponseInit } from '@azure/functions';

/** Scheme and host of a Host header, as URL parsing normalizes them (lower case, default port dropped); few distinct values. */
const origins = new Map<string, string>();

/**
 * Request targets URL parsing leaves as they are: an absolute path of characters it neither escapes nor decodes,
 * no backslash, no `//` at the start, no dot segment (not even escaped), no fragment.
 */
const PLAIN_TARGET = /^\/(?![/\\])(?!.*\/\.)(?!.*%2e)[\w\-.~!$&()*+,;=:@/%]*(?:\?[\w\-.~!$&()*+,;=:@/?%]*)?$/i;

/** The request's absolute URL and its path, as `new URL(target, http://host)` gives them, without parsing plain targets. */
export function requestUrl(target: string, host: string): { href: string; pathname: string } {
  let origin = origins.get(host);
  if (origin === undefined) {
    origin = new URL(`http://${host}`).origin;
    if (origins.size >= 100) origins.clear();
    origins.set(host, origin);
  }
  if (PLAIN_TARGET.test(target)) {
    const query = target.indexOf('?');
    return { href: origin + target, pathname: query < 0 ? target : target.slice(0, query) };
  }
  const url = new URL(target, origin);
  return { href: url.href, pathname: url.pathname };
}

/** GET and HEAD carry no body in the Functions model (the library drops one, as fetch's Request does). */
export function isBodiless(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Whether the request announces a body at all: without Content-Length or Transfer-Encoding, HTTP/1.1 has none. */
export function announcesBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The fetch `Request` behind an HttpRequest, built only as far as it is read. The library's HttpRequest
 * takes one as `nativeRequest` (its own streaming host path passes one); url, method and headers are answered
 * here, and the undici Request with its body stream is made only when a handler reads the body or clones.
 */
class IncomingFetchRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  #body: Buffer | undefined;
  #request: Request | undefined;
  /** The body was read through `arrayBuffer` without a Request. */
  #read = false;

  constructor(url: string, method: string, headers: Headers, body: Buffer | undefined) {
    this.url = url;
    this.method = method;
    this.headers = headers;
    this.#body = body;
  }

  get body(): ReadableStream | null {
    return this.#native().body;
  }

  get bodyUsed(): boolean {
    return this.#request?.bodyUsed ?? this.#read;
  }

  /** The read every JSON endpoint makes: answered from the bytes in hand, without a Request and its body stream. */
  arrayBuffer(): Promise<ArrayBuffer> {
    const body = this.#request === undefined && !isBodiless(this.method) ? this.#body : undefined;
    if (body === undefined) return this.#native().arrayBuffer();
    this.#body = undefined;
    this.#read = true;
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    return Promise.resolve((whole ? body.buffer : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) as ArrayBuffer);
  }

  blob(): Promise<Blob> {
    return this.#native().blob();
  }

  formData(): Promise<FormData> {
    return this.#native().formData();
  }

  json(): Promise<unknown> {
    return this.#native().json();
  }

  text(): Promise<string> {
    return this.#native().text();
  }

  clone(): Request {
    return this.#native().clone();
  }

  #native(): Request {
    if (!this.#request && this.#read) {
      // Read already: a Request whose body is used, so later reads and clones fail as they would have.
      this.#request = new Request(this.url, { method: this.method, headers: this.headers, body: new Uint8Array(0) });
      this.#request.arrayBuffer().catch(() => undefined);
    }
    if (!this.#request) {
      const body = this.#body && !isBodiless(this.method) ? (this.#body as Uint8Array<ArrayBuffer>) : undefined;
      this.#request = new Request(this.url, { method: this.method, headers: this.headers, body });
      this.#body = undefined;
    }
    return this.#request;
  }
}

/** node:http joins repeated headers as the Functions host does (`, `); the values are already strings but for set-cookie. */
function requestHeaders(request: IncomingMessage): Headers {
  const headers = new Headers();
  const record = request.headers;
  for (const key in record) {
    const value = record[key];
    if (value !== undefined) headers.append(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export function toHttpRequest(request: IncomingMessage, url: string, params: Record<string, string>, body: Buffer | undefined): HttpRequest {
  const nativeRequest = new IncomingFetchRequest(url, request.method ?? 'GET', requestHeaders(request), body);
  // `nativeRequest` is the library's internal init field (see the note on IncomingFetchRequest).
  return new HttpRequest({ nativeRequest, params } as HttpRequestInit);
}

/** Statuses fetch's Response gives no body, as the library's HttpResponse does. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

type OutgoingHeaders = Record<string, string | string[]>;

function isHttpWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Header values lose leading and trailing HTTP whitespace, as in fetch's Headers; most have none to lose. */
function trimHttpWhitespace(text: string): string {
  if (text.length === 0 || (!isHttpWhitespace(text.charCodeAt(0)) && !isHttpWhitespace(text.charCodeAt(text.length - 1)))) return text;
  return text.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

/** Lower-cased names, values trimmed, repeats joined: what `new Headers(init)` makes of them. */
function outgoingHeaders(init: HttpResponseInit['headers']): OutgoingHeaders | undefined {
  const headers: OutgoingHeaders = {};
  const add = (name: string, value: unknown) => {
    const key = name.toLowerCase();
    const text = trimHttpWhitespace(String(value));
    const known = headers[key];
    if (known === undefined) headers[key] = text;
    else if (key === 'set-cookie') headers[key] = Array.isArray(known) ? [...known, text] : [known, text];
    else headers[key] = `${Array.isArray(known) ? known.join(', ') : known}, ${text}`;
  };
  if (init === undefined || init === null) return headers;
  if (init instanceof Headers) {
    // forEach yields each set-cookie on its own.
    init.forEach((value, name) => add(name, value));
    return headers;
  }
  if (Array.isArray(init)) {
    for (const pair of init) {
      if (pair.length !== 2) return undefined;
      add(pair[0]!, pair[1]);
    }
    return headers;
  }
  if (Object.getPrototypeOf(init) !== Object.prototype && Object.getPrototypeOf(init) !== null) return undefined;
  for (const name of Object.keys(init)) add(name, (init as Record<string, unknown>)[name]);
  return headers;
}

/** The bytes of a body kind that needs no stream, or undefined for kinds only a web stream can carry. */
function directBody(body: unknown): { bytes: string | Buffer; contentType?: string } | undefined {
  if (typeof body === 'string') return { bytes: body, contentType: 'text/plain;charset=UTF-8' };
  if (Buffer.isBuffer(body)) return { bytes: body };
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  return undefined;
}

/** What the library's HttpResponse would answer for this init, when it can be had without web streams. */
function directResponse(init: HttpResponseInit): { status: number; headers: OutgoingHeaders; body: string | Buffer | undefined } | undefined {
  const status = init.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) return undefined;
  const headers = outgoingHeaders(init.headers);
  if (!headers) return undefined;
  const nullBody = NULL_BODY_STATUSES.has(status);
  if (init.jsonBody !== undefined && init.jsonBody !== null && !nullBody) {
    headers['content-type'] ??= 'application/json';
    return { status, headers, body: JSON.stringify(init.jsonBody) as string | undefined };
  }
  if (nullBody || init.body === undefined || init.body === null) return { status, headers, body: undefined };
  const body = directBody(init.body);
  if (!body) return undefined;
  if (body.contentType) headers['content-type'] ??= body.contentType;
  return { status, headers, body: body.bytes };
}

/**
 * Writes a handler's result. A plain init whose body is absent, JSON, a string or bytes is written directly,
 * with the status, headers and content type the library's HttpResponse gives it; anything else (an HttpResponse,
 * a stream, a Blob, form data, an unusual status) goes through the library's HttpResponse and its body stream.
 */
export async function writeHttpResult(result: HttpResponseInit | HttpResponse | undefined, response: ServerResponse): Promise<void> {
  const init = result ?? {};
  if (!(init instanceof HttpResponse) && (init.body instanceof NodeReadableStream || init.body instanceof ReadableStream)) {
    return writeStream(init, init.body as ReadableStream<Uint8Array>, response);
  }
  const direct = init instanceof HttpResponse ? undefined : directResponse(init);
  if (direct) {
    if (direct.body !== undefined) direct.headers['content-length'] = String(Buffer.byteLength(direct.body));
    response.writeHead(direct.status, direct.headers);
    response.end(direct.body);
    return;
  }
  const converted = init instanceof HttpResponse ? init : new HttpResponse(init);
  response.writeHead(converted.status, outgoingHeaders(converted.headers));
  if (converted.body) {
    for await (const chunk of Readable.fromWeb(converted.body as never)) response.write(chunk);
  }
  response.end();
}

/**
 * A streamed body (Server-Sent Events): headers go out at once, each chunk as it comes, as the Functions host
 * streams with `enableHttpStream`. When the client goes away the stream is cancelled, so its producer stops.
 */
async function writeStream(init: HttpResponseInit, body: ReadableStream<Uint8Array>, response: ServerResponse): Promise<void> {
  const headers = outgoingHeaders(init.headers) ?? {};
  response.writeHead(init.status ?? 200, headers);
  response.flushHeaders();
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  response.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || response.destroyed) break;
      if (!response.write(value)) await new Promise((resolve) => response.once('drain', resolve).once('close', resolve));
    }
  } catch {
    // The producer failed or was cancelled: end what was sent.
  } finally {
    response.off('close', cancel);
    response.end();
  }
}
