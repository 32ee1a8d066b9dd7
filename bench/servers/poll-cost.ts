// The 304 config poll timed inside the host process, without HTTP: what the Functions-model objects cost
// (HttpRequest over the incoming request, InvocationContext), and what they and the endpoint wrapper with the poll
// cost together. Read beside the bare server's CPU for a whole request, it shows where a poll's CPU goes.
import type { IncomingMessage } from 'node:http';
import { invocationContext } from '../../local-host/host';
import { requestUrl, toHttpRequest } from '../../local-host/http-conversion';
import { functionRegistry } from '../../shared/runtime/registry';

export interface PollCostRequest {
  productKey: string;
  /** The idle answer's ETag: every timed poll is a 304. */
  etag: string;
  iterations: number;
}

export interface PollCost {
  /** CPU microseconds per poll for building the HttpRequest and the InvocationContext alone. */
  objectsMicros: number;
  /** CPU microseconds per poll for the objects, the endpoint wrapper and the poll, up to the handler's 304 result. */
  wholeMicros: number;
}

const HOST = '127.0.0.1:7071';
let devices = 0;

/** What the local host hands the handler for one poll of a device never seen before (the per-device limit stays on). */
function pollRequest(productKey: string, etag: string) {
  const target = `/api/diagnostics/config?deviceId=bench-in-process-${++devices}&platform=ios&appVersion=5.12.0`;
  const incoming = { method: 'GET', headers: { host: HOST, 'x-diagnostics-key': productKey, 'if-none-match': etag, connection: 'keep-alive' } };
  return toHttpRequest(incoming as unknown as IncomingMessage, requestUrl(target, HOST).href, {}, undefined);
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export async function measurePollCost(request: PollCostRequest): Promise<PollCost> {
  const definition = functionRegistry.http.find((candidate) => candidate.name === 'config-get');
  if (!definition) throw new Error('config-get is not registered');
  const quiet = () => undefined;
  const objectsOnly = () => {
    pollRequest(request.productKey, request.etag);
    invocationContext(definition.name, quiet);
  };
  const whole = async () => {
    const result = await definition.handler(pollRequest(request.productKey, request.etag), invocationContext(definition.name, quiet));
    if (!result || (result as { status?: number }).status !== 304) throw new Error(`in-process poll answered ${(result as { status?: number } | undefined)?.status}`);
  };
  const timed = async (work: () => unknown) => {
    // Warm-up, then the timed loop; each poll is awaited, as the host awaits it.
    for (let index = 0; index < request.iterations / 10; index++) await work();
    const started = cpuMicros();
    for (let index = 0; index < request.iterations; index++) await work();
    return (cpuMicros() - started) / request.iterations;
  };
  return { objectsMicros: await timed(objectsOnly), wholeMicros: await timed(whole) };
}
