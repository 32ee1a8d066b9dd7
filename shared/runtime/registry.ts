// The single list of this app's functions. Each registration goes to the Azure Functions runtime
// (`app.*`, which the package skips outside a real host) and to this registry, which the local host serves.
import {
  app,
  type HttpHandler,
  type HttpMethod,
  type InvocationContext,
  type Timer,
} from '@azure/functions';

// Responses may be streams (the live tail's Server-Sent Events). In Azure this needs Functions host 4.28+; it also
// hands handlers the request as a fetch Request over the proxied stream, as the local host always does.
app.setup({ enableHttpStream: true });

export interface HttpFunctionDefinition {
  name: string;
  route: string;
  methods: HttpMethod[];
  handler: HttpHandler;
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

export const functionRegistry = {
  http: [] as HttpFunctionDefinition[],
  timers: [] as TimerFunctionDefinition[],
  topics: [] as TopicFunctionDefinition[],
};

function assertUniqueName(name: string): void {
  const all = [...functionRegistry.http, ...functionRegistry.timers, ...functionRegistry.topics];
  if (all.some((definition) => definition.name === name)) throw new Error(`Function ${name} is registered twice`);
}

export function registerHttpFunction(definition: HttpFunctionDefinition): void {
  assertUniqueName(definition.name);
  functionRegistry.http.push(definition);
  app.http(definition.name, {
    route: definition.route,
    methods: definition.methods,
    authLevel: 'anonymous',
    handler: definition.handler,
  });
}

export function registerTimerFunction(definition: TimerFunctionDefinition): void {
  assertUniqueName(definition.name);
  functionRegistry.timers.push(definition);
  app.timer(definition.name, { schedule: definition.schedule, handler: definition.handler });
}

export function registerTopicFunction(definition: TopicFunctionDefinition): void {
  assertUniqueName(definition.name);
  functionRegistry.topics.push(definition);
  app.serviceBusTopic(definition.name, {
    connection: definition.connection,
    topicName: definition.topicName,
    subscriptionName: definition.subscriptionName,
    handler: definition.handler,
  });
}
