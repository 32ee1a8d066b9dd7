// The single list of this app's functions. Each registration goes to the Azure Functions runtime
// (`app.*`, only inside a real host) and to this registry, which the local host serves.
import { app, type HttpHandler, type HttpMethod, type InvocationContext, type Timer } from '@azure/functions';
import type { z } from 'zod';

/** What a route expects, as the endpoint wrapper checks it: the OpenAPI document is built from this. */
export interface HttpContract {
  auth: { bearer?: 'required' | 'optional'; ingestKey?: boolean; device?: 'required' | 'optional' };
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  maxBodyBytes?: number;
  errorFormat?: 'problem' | 'otlp';
  /** One line for the API reference. */
  summary?: string;
}

/**
 * host.json sets `routePrefix: ""` so the dashboard can answer at the site root; the API keeps its `/api`
 * because every other HTTP route gets this prefix here, in one place, for Azure and the local host alike.
 */
export const API_ROUTE_PREFIX = 'api';
// Responses may be streams (the live tail's Server-Sent Events). In Azure this needs Functions host 4.28+; it also
// hands handlers the request as a fetch Request over the proxied stream, as the local host always does.
app.setup({ enableHttpStream: true });

export interface HttpFunctionDefinition {
  name: string;
  /** Under `/api` unless `atSiteRoot`. */
  route: string;
  /** Registered without the API prefix (the dashboard's static files); nothing else should need it. */
  atSiteRoot?: boolean;
  methods: HttpMethod[];
  /** The largest body the function reads: the local host refuses a longer one (413) before reading it. Default 100 MiB, the Functions host's limit. */
  maxBodyBytes?: number;
  handler: HttpHandler;
  /** Absent only for routes registered outside the endpoint wrapper. */
  contract?: HttpContract;
}

export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;
export interface TimerFunctionDefinition {
  name: string;
  /** NCRONTAB with seconds, as the Functions host reads it, e.g. every minute: `0 0-59 * * * *`. */
  schedule: string;
  handler: TimerHandler;
}

export type TopicMessageHandler = (message: unknown, context: InvocationContext) => Promise<void>;
export interface TopicFunctionDefinition {
  name: string;
  /** App setting prefix holding the namespace (identity-based connection). */
  connection: string;
  topicName: string;
  subscriptionName: string;
  handler: TopicMessageHandler;
}

let hostPresent: boolean | undefined;

/**
 * Whether a Functions host runs this worker. Outside one (the local host, tests, the CLI) `@azure/functions`
 * skips every `app.*` call with a warning each; we skip the call instead, as the package detects the host.
 */
export function functionsHostPresent(): boolean {
  if (hostPresent === undefined) {
    try {
      // The worker provides this module; it is not installable.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@azure/functions-core');
      hostPresent = true;
    } catch {
      hostPresent = false;
    }
  }
  return hostPresent;
}

export const functionRegistry = {
  http: [] as HttpFunctionDefinition[],
  timers: [] as TimerFunctionDefinition[],
  topics: [] as TopicFunctionDefinition[],
};

function assertUniqueName(name: string): void {
  const all = [...functionRegistry.http, ...functionRegistry.timers, ...functionRegistry.topics];
  if (all.some((definition) => definition.name === name)) throw new Error(`Function ${name} is registered twice`);
}

/** The route as the host serves it: `api/<route>`, or the route itself at the site root. */
export function servedRoute(definition: Pick<HttpFunctionDefinition, 'route' | 'atSiteRoot'>): string {
  const route = definition.route.replace(/^\/+/, '');
  return definition.atSiteRoot ? route : `${API_ROUTE_PREFIX}/${route}`;
}

export function registerHttpFunction(definition: HttpFunctionDefinition): void {
  assertUniqueName(definition.name);
  const served = { ...definition, route: servedRoute(definition) };
  functionRegistry.http.push(served);
  if (!functionsHostPresent()) return;
  app.http(definition.name, {
    route: served.route,
    methods: definition.methods,
    authLevel: 'anonymous',
    handler: definition.handler,
  });
}

export function registerTimerFunction(definition: TimerFunctionDefinition): void {
  assertUniqueName(definition.name);
  functionRegistry.timers.push(definition);
  if (!functionsHostPresent()) return;
  app.timer(definition.name, { schedule: definition.schedule, handler: definition.handler });
}

export function registerTopicFunction(definition: TopicFunctionDefinition): void {
  assertUniqueName(definition.name);
  functionRegistry.topics.push(definition);
  if (!functionsHostPresent()) return;
  app.serviceBusTopic(definition.name, {
    connection: definition.connection,
    topicName: definition.topicName,
    subscriptionName: definition.subscriptionName,
    handler: definition.handler,
  });
}
