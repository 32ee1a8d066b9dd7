// The local Functions host: serves the same registered functions over HTTP (the API under /api, the dashboard at
// the root), runs timers on their schedules, answers the host's admin call POST /admin/functions/{name}, the
// dashboard's local-only dev sign-in, and wires the embedded backends.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvocationContext } from '@azure/functions';
import { Cron } from 'croner';
import '../functions';
import { parseSettings } from '../shared/config/settings';
import { ensureBlobContainers } from '../shared/adapters/blob/blob-clients';
import { ensureContainers } from '../shared/adapters/cosmos/cosmos-client';
import { createDependencies, installDependencies, type Dependencies, type DependencyOverrides } from '../shared/runtime/composition';
import { functionRegistry } from '../shared/runtime/registry';
import { handleDevSignIn, DEV_SIGN_IN_PATH } from './dev-sign-in';
import { announcesBody, isBodiless, requestUrl, toHttpRequest, writeHttpResult } from './http-conversion';
import { Router } from './router';

const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

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

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function plainProblem(response: ServerResponse, status: number, detail: string): void {
  response.writeHead(status, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: detail, status, detail }));
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = parseSettings(options.environment);
  const deps = createDependencies(settings, options.overrides);
  await ensureContainers(deps.database);
  await ensureBlobContainers(deps.blobService);
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
        return plainProblem(response, 400, 'Bad request');
      }
      try {
        const admin = /^\/admin\/functions\/([\w-]+)$/.exec(url.pathname);
        if (admin && request.method === 'POST') {
          const body = (await readBody(request)).toString('utf8');
          let input = '';
          try {
            input = body ? String((JSON.parse(body) as { input?: unknown }).input ?? '') : '';
          } catch {
            return plainProblem(response, 400, 'Send {"input": "..."}');
          }
          await runFunction(admin[1]!, input);
          response.writeHead(202).end();
          return;
        }
        if (url.pathname === DEV_SIGN_IN_PATH && settings.DIAGNOSTICS_MODE === 'local') {
          return await handleDevSignIn(request, response, settings, await readBody(request));
        }
        // Routes carry their `api/` prefix (or none, for the dashboard at the site root): see registry.ts.
        const found = router.match(request.method ?? 'GET', url.pathname);
        if ('malformed' in found) return plainProblem(response, 400, 'Malformed percent-encoding in the path');
        if (!('definition' in found)) return plainProblem(response, found.methodAllowed ? 404 : 405, found.methodAllowed ? 'Not found' : 'Method not allowed');
        // A GET or HEAD body is dropped by the Functions model; node discards it unread.
        const bytes = !isBodiless(request.method ?? 'GET') && announcesBody(request) ? await readBody(request) : undefined;
        const httpRequest = toHttpRequest(request, url.href, found.params, bytes?.length ? bytes : undefined);
        const result = await found.definition.handler(httpRequest, invocationContext(found.definition.name, log));
        await writeHttpResult(result, response);
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 404) return plainProblem(response, 404, 'Not found');
        log(`local host: request failed: ${(error as Error).name}`);
        if (!response.headersSent) plainProblem(response, 500, 'Internal error');
        else response.end();
      }
    })();
  });
  server.keepAliveTimeout = 65_000;
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
      await deps.localBus?.whenIdle();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      // After the last request: what ingest wrote behind reaches storage before the backends go.
      await deps.close();
    },
  };
}
