// The OpenAPI 3.1 document of this API (GET /api/openapi.json), built from the registry: every HTTP route the app
// registers, with the zod schemas the endpoint wrapper checks (as JSON Schema 2020-12, the dialect OpenAPI 3.1
// uses), its auth scheme and the problem+json errors it can answer. Nothing is written by hand, so it cannot drift.
import { z } from 'zod';
import { errorKinds } from '../errors';
import type { HttpContract, HttpFunctionDefinition } from '../runtime/registry';

type JsonSchema = Record<string, unknown>;

export const OPENAPI_VERSION = '3.1.0';

/** Schemas that validate loosely on purpose (ingest checks items one by one) and are documented by a stricter one. */
const documentation = new WeakMap<object, z.ZodType>();

export function documentedAs<Schema extends z.ZodType>(schema: Schema, documented: z.ZodType): Schema {
  documentation.set(schema, documented);
  return schema;
}

/** JSON Schema (2020-12) of what a client sends for this schema. */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    cycles: 'ref',
    reused: 'inline',
    override: (context) => {
      const documented = documentation.get(context.zodSchema as unknown as object);
      if (!documented) return;
      for (const key of Object.keys(context.jsonSchema)) delete (context.jsonSchema as JsonSchema)[key];
      const { $schema, ...rest } = toJsonSchema(documented);
      void $schema;
      Object.assign(context.jsonSchema, rest);
    },
  }) as JsonSchema;
}

const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. 4xx details may name the offending field; 5xx never quote internals.',
  required: ['type', 'title', 'status', 'detail', 'correlationId'],
  properties: {
    type: { type: 'string', description: '`urn:diagnostics:problem:<kind>`', examples: ['urn:diagnostics:problem:invalid_input'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    correlationId: { type: 'string', description: 'Quote it when reporting a problem; also in the x-correlation-id header.' },
    errors: {
      type: 'array',
      description: 'One entry per invalid field (400).',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', examples: ['items.0.timestamp'] }, message: { type: 'string' } },
      },
    },
  },
};

const otlpStatusSchema: JsonSchema = {
  type: 'object',
  description: 'The google.rpc.Status body OTLP/HTTP exporters expect on failure.',
  required: ['code', 'message'],
  properties: { code: { type: 'integer' }, message: { type: 'string' }, details: { type: 'array', items: {} } },
};

const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Entra ID token (admins, engineers, targeted users); locally `npx diagnostics token`.',
  },
  ingestKey: { type: 'apiKey', in: 'header', name: 'x-diagnostics-key', description: 'The product ingest key; locally `npx diagnostics product-key demo`.' },
  deviceToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'it1',
    description: 'The session ingest token (`it1.…`) the config poll hands the targeted device.',
  },
} as const;

const retryAfterHeader = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };

/** `diagnostics/sessions/{id}` → `/diagnostics/sessions/{id}`; Functions constraints and `?` dropped. */
export function openApiPath(route: string): string {
  return `/${route.replace(/^\/+|\/+$/g, '')}`.replace(/\{\*?([A-Za-z_]\w*)(?::[^}?]+)?\??\}/g, '{$1}');
}

class SchemaConverter {
  readonly shared: Record<string, JsonSchema> = {};

  /** JSON Schema of what a client sends; `$defs` (recursive schemas) move to components, refs rewritten. */
  convert(schema: z.ZodType, name: string): JsonSchema {
    const converted = toJsonSchema(schema);
    const { $schema, $defs, ...rest } = converted;
    void $schema;
    const prefix = name.replace(/[^\w]/g, '_');
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => {
          if (key === '$ref' && typeof inner === 'string') {
            if (inner === '#') return [key, `#/components/schemas/${prefix}`];
            return [key, inner.replace(/^#\/\$defs\//, `#/components/schemas/${prefix}_`)];
          }
          return [key, rewrite(inner)];
        }),
      );
    };
    for (const [key, definition] of Object.entries(($defs as Record<string, unknown> | undefined) ?? {}))
      this.shared[`${prefix}_${key}`] = rewrite(definition) as JsonSchema;
    const result = rewrite(rest) as JsonSchema;
    // A schema that refers to itself as a whole (`#`) is kept whole in components too.
    if (JSON.stringify(result).includes(`"#/components/schemas/${prefix}"`)) {
      this.shared[prefix] = result;
      return { $ref: `#/components/schemas/${prefix}` };
    }
    return result;
  }

  /** An object schema's properties as parameters `in` the path or query. */
  parameters(schema: z.ZodType | undefined, where: 'path' | 'query', name: string): JsonSchema[] {
    if (!schema) return [];
    const converted = this.convert(schema, name);
    const properties = (converted.properties as Record<string, JsonSchema> | undefined) ?? {};
    const required = new Set((converted.required as string[] | undefined) ?? []);
    return Object.entries(properties).map(([parameter, parameterSchema]) => {
      const { description, ...rest } = parameterSchema;
      return {
        name: parameter,
        in: where,
        required: where === 'path' || required.has(parameter),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
        // Lists are sent as `?level=error&level=warn` or `?level=error,warn`.
        ...(rest.type === 'array' ? { style: 'form', explode: true } : {}),
      };
    });
  }
}

function securityOf(auth: HttpContract['auth']): Array<Record<string, string[]>> {
  if (auth.device) {
    const device = [{ ingestKey: [], deviceToken: [] }];
    return auth.device === 'optional' ? [...device, { ingestKey: [] }] : device;
  }
  const base: Record<string, string[]> = auth.ingestKey ? { ingestKey: [] } : {};
  if (auth.bearer === 'required') return [{ ...base, bearerAuth: [] }];
  if (auth.bearer === 'optional') return [{ ...base, bearerAuth: [] }, base];
  return Object.keys(base).length ? [base] : [];
}

/** The error statuses a route can answer, from what the wrapper checks for it. */
export function errorStatusesOf(contract: HttpContract): number[] {
  const statuses = new Set<number>([errorKinds.rate_limited, errorKinds.unavailable, errorKinds.internal]);
  const { auth } = contract;
  if (contract.body || contract.query || contract.params) statuses.add(errorKinds.invalid_input);
  if (auth.bearer || auth.ingestKey || auth.device) statuses.add(errorKinds.unauthenticated);
  if (auth.bearer || auth.device) statuses.add(errorKinds.forbidden);
  if (contract.params) statuses.add(errorKinds.not_found);
  if (contract.body) {
    statuses.add(errorKinds.payload_too_large);
    statuses.add(errorKinds.unsupported_media_type);
  }
  return [...statuses].sort();
}

function operationOf(definition: HttpFunctionDefinition, contract: HttpContract, converter: SchemaConverter): JsonSchema {
  const errorBody =
    contract.errorFormat === 'otlp'
      ? { 'application/json': { schema: { $ref: '#/components/schemas/OtlpStatus' } } }
      : { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  const responses: Record<string, unknown> = { '2XX': { description: 'Success' } };
  for (const status of errorStatusesOf(contract)) {
    const retry = status === errorKinds.rate_limited || status === errorKinds.unavailable;
    responses[String(status)] = {
      description: retry ? 'Retry after the Retry-After header' : 'Problem',
      content: errorBody,
      ...(retry ? { headers: retryAfterHeader } : {}),
    };
  }
  return {
    operationId: definition.name,
    ...(contract.summary ? { summary: contract.summary } : {}),
    tags: [definition.route.split('/')[1] ?? definition.route.split('/')[0]],
    security: securityOf(contract.auth),
    parameters: [
      ...converter.parameters(contract.params, 'path', `${definition.name}_params`),
      ...converter.parameters(contract.query, 'query', `${definition.name}_query`),
    ],
    ...(contract.body
      ? {
          requestBody: {
            required: true,
            description: `JSON (gzip Content-Encoding accepted), at most ${contract.maxBodyBytes} bytes.`,
            content: { 'application/json': { schema: converter.convert(contract.body, `${definition.name}_body`) } },
          },
        }
      : {}),
    responses,
  };
}

export interface OpenApiInfo {
  title: string;
  version: string;
  /** The site root the paths are relative to (the API's paths carry their `/api` prefix). */
  serverUrl: string;
}

export function buildOpenApiDocument(definitions: readonly HttpFunctionDefinition[], info: OpenApiInfo): JsonSchema {
  const converter = new SchemaConverter();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const definition of definitions) {
    const contract: HttpContract = definition.contract ?? { auth: {} };
    const path = openApiPath(definition.route);
    const item = (paths[path] ??= {});
    for (const method of definition.methods) item[method.toLowerCase()] = operationOf(definition, contract, converter);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: info.title,
      version: info.version,
      description: 'Generated from the zod schemas the endpoints validate with; errors are RFC 9457 problem+json.',
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: { securitySchemes, schemas: { Problem: problemSchema, OtlpStatus: otlpStatusSchema, ...converter.shared } },
  };
}
