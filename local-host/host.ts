// The local Functions host: serves the same registered functions over HTTP (the API under /api, the dashboard at
// the root), runs timers on their schedules, answers the host's admin call POST /admin/functions/{name}, the
// dashboard's local-only dev sign-in, and wires the embedded backends.
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvocationContext } from '@azure/functions';
import { Cron } from 'croner';
import '../functions';
import { parseSettings } from '../shared/config/settings';
import { AppError } from '../shared/errors';
import { correlationIdOf } from '../shared/http/endpoint';
import { problemResponse } from '../shared/http/problem';
import { ensureBlobContainers } from '../shared/adapters/blob/blob-clients';
import { ensureContainers } from '../shared/adapters/cosmos/cosmos-client';
import { createDependencies, installDependencies, type Dependencies, type DependencyOverrides } from '../shared/runtime/composition';
import { functionRegistry } from '../shared/runtime/registry';
import { handleDevSignIn, DEV_SIGN_IN_PATH } from './dev-sign-in';
import { announcesBody, isBodiless, requestUrl, toHttpRequest, writeHttpResult } from './http-conversion';
import { Router } from './router';

/** What the Functions host itself accepts when a function names no smaller limit. */
const FUNCTIONS_HOST_MAX_BODY_BYTES = 100 * 1024 * 1024;
/** The admin call and the dev sign-in carry only a small JSON object. */
const ADMIN_MAX_BODY_BYTES = 64 * 1024;

export interface LocalHostOptions {
  /** 0 picks a free port. */
  port: number;
  environment: Record<string, string | undefined>;
  overrides?: DependencyOverrides;
  /** Tests turn schedules off and run timers through the admin call instead. */
  runTimers?: boolean;
  log?: (line: string) => void;
}

export interface LocalHost {
  url: string;
  deps: Dependencies;
  /** Runs a non-HTTP function now, as POST /admin/functions/{name} does. */
  runFunction(name: string, input?: string): Promise<void>;
  close(): Promise<void>;
}

/** The context a handler gets, as the Functions host gives it (the benchmark times building it too). */
export function invocationContext(functionName: string, log: (line: string) => void): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: (level, ...args) => {
      if (level === 'error' || level === 'warning') log(`[${functionName}] ${level}: ${args.map(String).join(' ')}`);
    },
  });
}

const tooLarge = (maxBytes: number) => new AppError('payload_too_large', `The body may be at most ${maxBytes} bytes`);

/** Refused by Content-Length before a byte is read, and by counting when the length is not announced. */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The host's own refusals (no route, wrong method, too large) answer problem+json as the functions do. */
async function writeProblem(response: ServerResponse, request: IncomingMessage, error: AppError, headers: Record<string, string> = {}): Promise<void> {
  const problem = problemResponse(error, correlationIdOf({ headers: new Headers(headerPairs(request)) }));
  problem.headers = { ...(problem.headers as Record<string, string>), ...headers };
  // A body left unread would be parsed as the next request on this connection.
  if (!request.complete) (problem.headers as Record<string, string>).connection = 'close';
  await writeHttpResult(problem, response);
}

function headerPairs(request: IncomingMessage): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const name of ['x-correlation-id', 'traceparent']) {
    const value = request.headers[name];
    if (typeof value === 'string') pairs.push([name, value]);
  }
  return pairs;
}

/** Node answers an oversized header block itself with an empty 431; this answers it as the API would. */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('headers_too_large', 'The request headers may be at most 16 KiB together')
      : new AppError('invalid_input', 'The request is not valid HTTP');
  const problem = problemResponse(appError, randomUUID());
  const body = problem.body as string;
  const headers = Object.entries({ ...(problem.headers as Record<string, string>), 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
  socket.end(
    `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n${headers.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`,
  );
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = parseSettings(options.environment);
  const deps = createDependencies(settings, options.overrides);
  await ensureContainers(deps.infra.database);
  await ensureBlobContainers(deps.infra.blobService);
  installDependencies(deps);

  const router = new Router(functionRegistry.http);

  async function runFunction(name: string, input = ''): Promise<void> {
    const timer = functionRegistry.timers.find((definition) => definition.name === name);
    if (timer) return timer.handler({ isPastDue: false, scheduleStatus: undefined } as never, invocationContext(name, log));
    const topic = functionRegistry.topics.find((definition) => definition.name === name);
    if (topic) {
      let message: unknown = input;
      try {
        message = JSON.parse(input);
      } catch {
        // A non-JSON input is passed as the string, as the host does.
      }
      return topic.handler(message, invocationContext(name, log));
    }
    throw Object.assign(new Error(`No non-HTTP function named ${name}`), { status: 404 });
  }

  const server = createServer((request, response) => {
    void (async () => {
      let url: { href: string; pathname: string };
      try {
        url = requestUrl(request.url ?? '/', request.headers.host ?? '127.0.0.1');
      } catch {
        // A Host header or target no URL can be made of.
        return await writeProblem(response, request, new AppError('invalid_input', 'The request target or Host header is not a URL'));
      }
      try {
        const admin = /^\/admin\/functions\/([\w-]+)$/.exec(url.pathname);
        if (admin && request.method === 'POST') {
          const body = (await readBody(request, ADMIN_MAX_BODY_BYTES)).toString('utf8');
          let input = '';
          try {
            input = body ? String((JSON.parse(body) as { input?: unknown }).input ?? '') : '';
          } catch {
            return await writeProblem(response, request, new AppError('invalid_input', 'Send {"input": "..."}'));
          }
          await runFunction(admin[1]!, input);
          response.writeHead(202).end();
          return;
        }
        if (url.pathname === DEV_SIGN_IN_PATH && settings.DIAGNOSTICS_MODE === 'local') {
          return await handleDevSignIn(request, response, settings, await readBody(request, ADMIN_MAX_BODY_BYTES));
        }
        // Routes carry their `api/` prefix (or none, for the dashboard at the site root): see registry.ts.
        const found = router.match(request.method ?? 'GET', url.pathname);
        if ('malformed' in found) return await writeProblem(response, request, new AppError('invalid_input', 'Malformed percent-encoding in the path'));
        if (!('definition' in found)) {
          // Built here, not before the match: an error captures a stack trace, which every matched request would pay.
          if (found.allowed.length === 0) return await writeProblem(response, request, new AppError('not_found', `No function answers ${url.pathname}`));
          return await writeProblem(response, request, new AppError('method_not_allowed', `${url.pathname} takes ${found.allowed.join(', ')}`), {
            allow: found.allowed.join(', '),
          });
        }
        // A GET or HEAD body is dropped by the Functions model; node discards it unread.
        const bytes =
          !isBodiless(request.method ?? 'GET') && announcesBody(request)
            ? await readBody(request, found.definition.maxBodyBytes ?? FUNCTIONS_HOST_MAX_BODY_BYTES)
            : undefined;
        const httpRequest = toHttpRequest(request, url.href, found.params, bytes?.length ? bytes : undefined);
        const result = await found.definition.handler(httpRequest, invocationContext(found.definition.name, log));
        await writeHttpResult(result, response);
      } catch (error) {
        if (error instanceof AppError) return await writeProblem(response, request, error);
        if ((error as { status?: number }).status === 404) return await writeProblem(response, request, new AppError('not_found', 'No such function'));
        log(`local host: request failed: ${(error as Error).name}`);
        if (!response.headersSent) await writeProblem(response, request, new AppError('internal', 'Unhandled error'));
        else response.end();
      }
    })();
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const timers = options.runTimers
    ? functionRegistry.timers.map(
        (definition) =>
          new Cron(definition.schedule, { protect: true }, async () => {
            try {
              await runFunction(definition.name);
            } catch (error) {
              log(`[${definition.name}] timer run failed: ${(error as Error).name}`);
            }
          }),
      )
    : [];

  return {
    url,
    deps,
    runFunction,
    async close() {
      for (const timer of timers) timer.stop();
      await deps.infra.localBus?.whenIdle();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      // After the last request: what ingest wrote behind reaches storage before the backends go.
      await deps.close();
    },
  };
}
