// A registered HTTP function timed inside the host process, without HTTP: what the Functions-model objects cost
// (the HttpRequest over the incoming request, the InvocationContext), and what they and the handler (the endpoint
// wrapper with everything it calls) cost together. Read beside a bare server's CPU for a whole request, it shows
// where a request's CPU goes.
import type { IncomingMessage } from 'node:http';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { invocationContext } from '../../local-host/host';
import { requestUrl, toHttpRequest } from '../../local-host/http-conversion';
import { functionRegistry } from '../../shared/runtime/registry';
import { usageNow } from '../support/child-protocol';

export interface InProcessRequest {
  method: string;
  /** The request target; `{n}` becomes a number never used before (a new device for every poll, say). */
  target: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HandlerCostRequest {
  functionName: string;
  /** Taken in turn, as many times as `iterations` asks. */
  requests: InProcessRequest[];
  iterations: number;
  /** Every timed call must answer this: a refusal would be timed instead of the work. */
  expectedStatus: number;
}

export interface HandlerCost {
  /** CPU microseconds per request for building the HttpRequest and the InvocationContext alone. */
  objectsMicros: number;
  /** CPU microseconds per request for the objects and the handler, up to its result. */
  wholeMicros: number;
}

const HOST = '127.0.0.1:7071';
let counter = 0;

export async function measureHandlerCost(request: HandlerCostRequest): Promise<HandlerCost> {
  const definition = functionRegistry.http.find((candidate) => candidate.name === request.functionName);
  if (!definition) throw new Error(`${request.functionName} is not registered`);
  const prepared = request.requests.map((template) => ({
    template,
    headers: {
      host: HOST,
      connection: 'keep-alive',
      ...template.headers,
      ...(template.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(template.body)) }),
    },
    body: template.body === undefined ? undefined : Buffer.from(template.body),
  }));
  let next = 0;
  const quiet = () => undefined;
  // What the local host hands a handler: the same conversion, the same context.
  const objects = () => {
    const { template, headers, body } = prepared[next++ % prepared.length]!;
    const incoming = { method: template.method, headers } as unknown as IncomingMessage;
    const httpRequest = toHttpRequest(incoming, requestUrl(template.target.replace('{n}', String(++counter)), HOST).href, {}, body);
    return { httpRequest, context: invocationContext(definition.name, quiet) };
  };
  const whole = async () => {
    const { httpRequest, context } = objects();
    const result = await definition.handler(httpRequest, context);
    const status = (result as { status?: number } | undefined)?.status ?? 200;
    if (status !== request.expectedStatus) throw new Error(`${request.functionName} answered ${status} in process, not ${request.expectedStatus}`);
  };
  const timed = async (work: () => unknown) => {
    // Warm-up, then the timed loop; each call is awaited, as the host awaits it.
    for (let index = 0; index < request.iterations / 10; index++) await work();
    const started = usageNow().cpuMicros;
    for (let index = 0; index < request.iterations; index++) await work();
    return (usageNow().cpuMicros - started) / request.iterations;
  };
  return { objectsMicros: await timed(objects), wholeMicros: await timed(whole) };
}

export interface PipelineCostRequest {
  functionName: string;
  /** Query pairs of the request; `{n}` in a value becomes a number never used before. */
  query: Array<[string, string]>;
  headers: Record<string, string>;
  iterations: number;
  expectedStatus: number;
}

/** The little of an HttpRequest the endpoint wrapper reads for a bodiless GET: headers, query and route params. */
class MinimalQuery {
  constructor(private readonly pairs: Array<[string, string]>) {}

  forEach(visit: (value: string, key: string) => void): void {
    for (const [key, value] of this.pairs) visit(value, key);
  }
}

/**
 * Our own CPU per request: the registered handler (the endpoint wrapper and everything it calls) given a minimal
 * request object and context, built before the clock starts, so neither the Functions-model objects nor HTTP are
 * in the figure. Microseconds of CPU per call.
 */
export async function measurePipelineCost(request: PipelineCostRequest): Promise<number> {
  const definition = functionRegistry.http.find((candidate) => candidate.name === request.functionName);
  if (!definition) throw new Error(`${request.functionName} is not registered`);
  const headers = new Headers(request.headers);
  const context = { functionName: definition.name, error: () => undefined, warn: () => undefined, log: () => undefined } as unknown as InvocationContext;
  const build = (count: number) =>
    Array.from({ length: count }, () => {
      const unique = String(++counter);
      const query = new MinimalQuery(request.query.map(([key, value]) => [key, value.replace('{n}', unique)]));
      return { headers, query, params: {} } as unknown as HttpRequest;
    });
  const run = async (requests: HttpRequest[]) => {
    for (const minimal of requests) {
      const result = await definition.handler(minimal, context);
      const status = (result as { status?: number } | undefined)?.status ?? 200;
      if (status !== request.expectedStatus) throw new Error(`${request.functionName} answered ${status} to a minimal request, not ${request.expectedStatus}`);
    }
  };
  await run(build(Math.ceil(request.iterations / 10)));
  const requests = build(request.iterations);
  const started = usageNow().cpuMicros;
  await run(requests);
  return (usageNow().cpuMicros - started) / request.iterations;
}
