// The one wrapper every HTTP function goes through: registration, body/query/route parsing with zod,
// authentication, correlation id, metrics, and the error mapping. Handlers get typed, checked input.
import { gunzipSync } from 'node:zlib';
import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { AppError, isAppError, type FieldIssue } from '../errors';
import type { Principal } from '../domain/access/principal';
import { getDependencies, readyDependencies, type Dependencies, type Edge, type Services } from '../runtime/composition';
import type { Dimensions } from '../ports/telemetry';
import type { DeviceCredential } from '../services/device-credentials';
import { registerHttpFunction } from '../runtime/registry';
import { CorrelationIds } from './correlation-id';
import { plainQueryCheck, type RawQuery } from './plain-query';
import { otlpStatusResponse, problemResponse } from './problem';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export interface EndpointAuth {
  /** A bearer JWT: required, optional (verified when present) or not read. */
  bearer?: 'required' | 'optional';
  /** The product ingest key header `x-diagnostics-key` identifies the calling app. */
  ingestKey?: boolean;
  /**
   * A device call on one session: the product key and the session's ingest token (`Authorization: Bearer it1.…`),
   * required, or verified when sent (OTLP may carry the token in the request instead).
   */
  device?: 'required' | 'optional';
}

/** What authentication gives the handler, typed by what the endpoint asks for: no `principal!` in handlers. */
export type Authenticated<Auth extends EndpointAuth> = (Auth['bearer'] extends 'required'
  ? { principal: Principal }
  : Auth['bearer'] extends 'optional'
    ? { principal: Principal | undefined }
    : unknown) &
  (Auth['ingestKey'] extends true ? { productId: string } : unknown) &
  (Auth['device'] extends 'required'
    ? { productId: string; device: DeviceCredential }
    : Auth['device'] extends 'optional'
      ? { productId: string; device: DeviceCredential | undefined }
      : unknown);

export type EndpointInput<Body, Query, Params, Auth extends EndpointAuth> = {
  body: Body;
  query: Query;
  params: Params;
  request: HttpRequest;
  context: InvocationContext;
  services: Services;
  correlationId: string;
} & Authenticated<Auth>;

export interface EndpointDefinition<BodySchema extends z.ZodType, QuerySchema extends z.ZodType, ParamsSchema extends z.ZodType, Auth extends EndpointAuth> {
  name: string;
  route: string;
  /** Served at the site root instead of under `/api` (the dashboard only). */
  atSiteRoot?: boolean;
  methods: HttpMethod[];
  auth: Auth;
  body?: BodySchema;
  query?: QuerySchema;
  params?: ParamsSchema;
  maxBodyBytes?: number;
  /** How errors are answered: problem+json (default), or the OTLP `Status` body the OpenTelemetry exporters expect. */
  errorFormat?: 'problem' | 'otlp';
  /** One line for the OpenAPI document (GET /api/openapi.json). */
  summary?: string;
  /** Decodes an `application/x-protobuf` body (OTLP) into the type `body` checks; JSON bodies still go through `body`. */
  protobufBody?: (bytes: Uint8Array) => z.infer<BodySchema>;
  /**
   * The route's work. It may answer in hand (a plain object, not a promise) when it has nothing to wait for: the device
   * poll does, and so skips a promise and a turn of the microtask queue on the app's hottest path.
   */
  handler: (input: EndpointInput<z.infer<BodySchema>, z.infer<QuerySchema>, z.infer<ParamsSchema>, Auth>) => Promise<HttpResponseInit> | HttpResponseInit;
}

export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || '(body)',
    message: issue.message,
  }));
}

export function parseWith<Schema extends z.ZodType>(schema: Schema, value: unknown, where: string): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = zodIssues(result.error, where === 'body' ? '' : where);
    throw new AppError('invalid_input', `Invalid ${where}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`, { issues });
  }
  return result.data;
}

/** Repeated query keys become arrays, so `?level=error&level=warn` reaches the schema as a list. */
export function queryObject(request: HttpRequest): RawQuery {
  const result: RawQuery = {};
  request.query.forEach((value, key) => {
    // Own keys only: `?__proto__=…` must not read (or become) the object's prototype.
    const known = Object.hasOwn(result, key) ? result[key] : undefined;
    if (known === undefined) result[key] = value;
    else if (Array.isArray(known)) known.push(value);
    else result[key] = [known, value];
  });
  return result;
}

/**
 * The route's query parser: the plain check derived from its schema where the schema allows one (zod's own parse
 * costs about a microsecond, a third of the device poll's own work), zod for everything the check leaves to it.
 */
function queryParser<QuerySchema extends z.ZodType>(schema: QuerySchema): (request: HttpRequest) => z.infer<QuerySchema> {
  const plain = plainQueryCheck(schema);
  return (request) => plain?.(request.query) ?? parseWith(schema, queryObject(request), 'query');
}

/** OTLP's binary encoding; endpoints that take it name a decoder (`protobufBody`). */
export function isProtobufRequest(request: HttpRequest): boolean {
  return /^application\/x-protobuf\b/i.test(request.headers.get('content-type') ?? '');
}

/** The body's bytes, gunzipped when sent with `Content-Encoding: gzip`, within `maxBytes` both before and after. */
export async function readBodyBytes(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new AppError('payload_too_large', `The body may be at most ${maxBytes} bytes`);
  let bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > maxBytes) throw new AppError('payload_too_large', `The body may be at most ${maxBytes} bytes`);
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'gzip') {
    try {
      // Bounded inflation: a small gzip bomb cannot expand past the same limit.
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      if (error instanceof RangeError) throw new AppError('payload_too_large', `The body may be at most ${maxBytes} bytes uncompressed`);
      throw new AppError('invalid_input', 'The body is not valid gzip', { issues: [{ field: '(body)', message: 'invalid gzip' }] });
    }
  } else if (encoding !== 'identity') {
    throw new AppError('unsupported_media_type', 'Content-Encoding may be gzip or identity');
  }
  return bytes;
}

export async function readJsonBody(request: HttpRequest, maxBytes: number, mediaTypes = 'application/json'): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new AppError('unsupported_media_type', `Send the body as ${mediaTypes}`);
  }
  const bytes = await readBodyBytes(request, maxBytes);
  if (bytes.length === 0) throw new AppError('invalid_input', 'The body is empty; send a JSON object', { issues: [{ field: '(body)', message: 'required' }] });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AppError('invalid_input', 'The body is not valid JSON', { issues: [{ field: '(body)', message: 'invalid JSON' }] });
  }
}

async function readBody<BodySchema extends z.ZodType>(
  request: HttpRequest,
  definition: EndpointDefinition<BodySchema, z.ZodType, z.ZodType, EndpointAuth>,
  schema: BodySchema,
): Promise<z.infer<BodySchema>> {
  const maxBytes = definition.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!definition.protobufBody) return parseWith(schema, await readJsonBody(request, maxBytes), 'body');
  // An empty protobuf body is a valid (empty) message.
  if (isProtobufRequest(request)) return definition.protobufBody(await readBodyBytes(request, maxBytes));
  return parseWith(schema, await readJsonBody(request, maxBytes, 'application/json or application/x-protobuf'), 'body');
}

export function bearerToken(request: HttpRequest): string | undefined {
  const header = request.headers.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new AppError('unauthenticated', 'Send the token as Authorization: Bearer <JWT>');
  return match[1];
}

/** The ingest token of `Authorization: Bearer it1.…`, or undefined when the header is absent or carries something else. */
export function ingestTokenOf(request: HttpRequest): string | undefined {
  const header = request.headers.get('authorization') ?? '';
  return /^Bearer\s+(it1\.\S+)$/i.exec(header.trim())?.[1];
}

interface Identity {
  principal?: Principal;
  productId?: string;
  device?: DeviceCredential;
}

function productOf(request: HttpRequest, edge: Edge): string {
  const key = request.headers.get('x-diagnostics-key');
  if (!key) throw new AppError('unauthenticated', 'Send the product ingest key in x-diagnostics-key');
  const productId = edge.productKeys.verify(key);
  if (!productId) throw new AppError('unauthenticated', 'The ingest key is not valid');
  return productId;
}

/**
 * Who is calling. The key and the ingest token are checked in hand (HMACs); only a bearer JWT needs an await, so a
 * call without one (every device poll) settles without a turn of the event loop.
 */
function authenticate(request: HttpRequest, auth: EndpointAuth, edge: Edge): Identity | Promise<Identity> {
  const identity: Identity = {};
  if (auth.ingestKey || auth.device) identity.productId = productOf(request, edge);
  if (auth.device) {
    const token = ingestTokenOf(request);
    if (token || auth.device === 'required') identity.device = edge.deviceTokens.verify(token, identity.productId!);
  }
  const bearer = auth.bearer ? bearerToken(request) : undefined;
  if (bearer) return edge.tokens.verify(bearer).then((principal) => Object.assign(identity, { principal }));
  if (auth.bearer === 'required') throw new AppError('unauthenticated', 'Send a bearer token: Authorization: Bearer <JWT>');
  return identity;
}

const correlationIds = new CorrelationIds();

/** What a route without parameters is handed, one object for every request. */
const NO_PARAMS = Object.freeze({});

export function correlationIdOf(request: Pick<HttpRequest, 'headers'>): string {
  const given = request.headers.get('x-correlation-id');
  if (given && /^[\w.:-]{1,128}$/.test(given)) return given;
  const traceparent = request.headers.get('traceparent');
  const traceId = traceparent?.split('-')[1];
  return traceId && /^[0-9a-f]{32}$/.test(traceId) ? traceId : correlationIds.next();
}

/** The handler's headers and the correlation id, in a new object: a handler may hand back a shared or frozen one. */
function withCorrelationId(headers: HttpResponseInit['headers'], correlationId: string): Record<string, string> {
  // Object.assign, not a spread: this site sees every route's header shapes, and V8's spread is slow past a few.
  const merged: Record<string, string> = Object.assign({}, headers as Record<string, string> | undefined);
  merged['x-correlation-id'] = correlationId;
  return merged;
}

/** The duration metric's dimensions for one route, one frozen object per status rather than one per request. */
function durationDimensions(functionName: string): (status: number) => Dimensions {
  const byStatus = new Map<number, Dimensions>();
  return (status) => {
    let dimensions = byStatus.get(status);
    if (!dimensions) byStatus.set(status, (dimensions = Object.freeze({ function: functionName, status: String(status) })));
    return dimensions;
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json', ...headers } };
}

export function httpFunction<
  const Auth extends EndpointAuth,
  BodySchema extends z.ZodType = z.ZodUndefined,
  QuerySchema extends z.ZodType = z.ZodType<Record<string, never>>,
  ParamsSchema extends z.ZodType = z.ZodType<Record<string, never>>,
>(definition: EndpointDefinition<BodySchema, QuerySchema, ParamsSchema, Auth>): void {
  const dimensionsOf = durationDimensions(definition.name);
  const parseQuery = definition.query ? queryParser(definition.query) : undefined;
  registerHttpFunction({
    name: definition.name,
    route: definition.route,
    atSiteRoot: definition.atSiteRoot,
    methods: definition.methods,
    maxBodyBytes: definition.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    contract: {
      auth: definition.auth,
      body: definition.body,
      query: definition.query,
      params: definition.params,
      maxBodyBytes: definition.body ? (definition.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : undefined,
      errorFormat: definition.errorFormat,
      summary: definition.summary,
    },
    handler: async (request, context) => {
      const started = performance.now();
      const correlationId = correlationIdOf(request);
      let deps: Dependencies | undefined;
      let response: HttpResponseInit;
      try {
        deps = readyDependencies() ?? (await getDependencies());
        const authenticated = authenticate(request, definition.auth, deps.edge);
        const identity = authenticated instanceof Promise ? await authenticated : authenticated;
        const params = definition.params ? parseWith(definition.params, request.params, 'route') : NO_PARAMS;
        const query = parseQuery ? parseQuery(request) : {};
        const body = definition.body ? await readBody(request, definition, definition.body) : undefined;
        const { principal, productId, device } = identity;
        const input = { body, query, params, request, context, services: deps.services, correlationId, principal, productId, device };
        const answered = definition.handler(input as EndpointInput<z.infer<BodySchema>, z.infer<QuerySchema>, z.infer<ParamsSchema>, Auth>);
        // An answer in hand is taken as it is: awaiting it would still suspend the wrapper until the next microtask.
        response = answered instanceof Promise ? await answered : answered;
        response.headers = withCorrelationId(response.headers, correlationId);
      } catch (error) {
        const appError = isAppError(error) ? error : new AppError('internal', 'Unhandled error', { cause: error });
        const telemetry = deps?.edge.telemetry;
        if (appError.isClientError) {
          telemetry?.metric('http.client_error_total', 1, { function: definition.name, kind: appError.kind });
          if (appError.kind === 'rate_limited') telemetry?.metric('http.rate_limited_total', 1, { function: definition.name });
        } else {
          // Only the error's class and our own message: SDK errors can quote request content.
          const cause = appError.cause instanceof Error ? appError.cause : appError;
          context.error(`${definition.name} failed (${correlationId}): ${cause.name}${isAppError(error) ? `: ${appError.message}` : ''}`);
          telemetry?.exception(new Error(`${definition.name}: ${cause.name}`), { function: definition.name, correlationId });
        }
        response =
          definition.errorFormat === 'otlp'
            ? otlpStatusResponse(appError, correlationId, isProtobufRequest(request))
            : problemResponse(appError, correlationId);
      }
      deps?.edge.telemetry.metric('http.request.duration_ms', performance.now() - started, dimensionsOf(response.status ?? 200));
      return response;
    },
  });
}
