// The wire reference of ingest items (docs/ingest-items.md), rendered from the zod schemas the ingest path
// validates with. `npx diagnostics wire-reference --write` regenerates the file; a test fails when it drifts.
import type { z } from 'zod';
import { breadcrumbItemSchema, deviceContextSchema, logItemSchema, MAX_ITEMS_PER_BATCH, networkItemSchema, spanItemSchema } from '../domain/telemetry/items';
import { ingestEnvelopeSchema } from './ingest-routes';
import { toJsonSchema } from './openapi';

type JsonSchema = Record<string, unknown>;

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as JsonSchema[]).map(typeOf).join(' or ');
  const type = schema.type;
  if (type === 'array') return `array of ${typeOf((schema.items as JsonSchema | undefined) ?? {})}`;
  if (type === 'object') {
    if (schema.properties) {
      const properties = Object.entries(schema.properties as Record<string, JsonSchema>);
      const required = new Set((schema.required as string[] | undefined) ?? []);
      return `{${properties.map(([name, inner]) => `${name}${required.has(name) ? '' : '?'}: ${typeOf(inner)}`).join(', ')}}`;
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      return `object of ${typeOf(schema.additionalProperties as JsonSchema)} by name`;
    return 'object';
  }
  if (type === 'string' && typeof schema.format === 'string')
    return `string (${schema.format === 'date-time' ? 'ISO 8601 date-time with offset' : schema.format})`;
  if (typeof type === 'string') return type;
  return 'any JSON';
}

function limitsOf(schema: JsonSchema): string {
  const limits: string[] = [];
  const add = (key: string, text: (value: unknown) => string) => {
    if (schema[key] !== undefined) limits.push(text(schema[key]));
  };
  add('minLength', (value) => `at least ${String(value)} characters`);
  add('maxLength', (value) => `at most ${String(value)} characters`);
  add('minimum', (value) => `≥ ${String(value)}`);
  if (schema.maximum !== Number.MAX_SAFE_INTEGER) add('maximum', (value) => `≤ ${String(value)}`);
  add('minItems', (value) => `at least ${String(value)} entries`);
  add('maxItems', (value) => `at most ${String(value)} entries`);
  // The date-time format says it better than its regular expression.
  if (schema.format !== 'date-time') add('pattern', (value) => `matches \`${String(value)}\``);
  add('default', (value) => `default \`${JSON.stringify(value)}\``);
  const names = schema.propertyNames as JsonSchema | undefined;
  if (names?.maxLength !== undefined) limits.push(`names at most ${String(names.maxLength)} characters`);
  const values = schema.additionalProperties as JsonSchema | undefined;
  if (values && typeof values === 'object' && values.maxLength !== undefined) limits.push(`values at most ${String(values.maxLength)} characters`);
  return limits.join('; ');
}

function table(schema: z.ZodType, typeOverrides: Record<string, string> = {}): string {
  const converted = toJsonSchema(schema);
  const required = new Set((converted.required as string[] | undefined) ?? []);
  const lines = ['| field | type | required | limits |', '| --- | --- | --- | --- |'];
  for (const [name, property] of Object.entries((converted.properties as Record<string, JsonSchema> | undefined) ?? {})) {
    lines.push(
      `| \`${name}\` | ${(typeOverrides[name] ?? typeOf(property)).replace(/\|(?! )/g, '\\|')} | ${required.has(name) ? 'yes' : 'no'} | ${limitsOf(property)} |`,
    );
  }
  return lines.join('\n');
}

export function renderWireReference(): string {
  const sections: Array<[string, string, z.ZodType, Record<string, string>?]> = [
    [
      'The batch',
      `\`POST /api/diagnostics/ingest\`. \`items\` holds 1 to ${MAX_ITEMS_PER_BATCH} items of the kinds below; each is checked on its own, so one bad item is rejected with its reason and the rest are stored.`,
      ingestEnvelopeSchema,
      { items: 'array of log, span, breadcrumb and network items (below), told apart by `kind`', device: '`device` (below)' },
    ],
    ['`device`', 'Sent with each batch; stored coarse (never an IP address).', deviceContextSchema],
    ['Log (`kind: "log"`)', '', logItemSchema],
    ['Span (`kind: "span"`)', 'OpenTelemetry fields. On `POST …/sessions/{id}/traces` `kind` may be left out.', spanItemSchema],
    ['Breadcrumb (`kind: "breadcrumb"`)', '', breadcrumbItemSchema],
    [
      'Network capture (`kind: "network"`)',
      'Sizes are two numbers, `requestSize` and `responseSize`; headers are an object of header values by name (`{"content-type": "application/json"}`), not a list of `{name, value}` pairs.',
      networkItemSchema,
    ],
  ];
  const parts = [
    '# Ingest items: wire reference',
    '',
    '<!-- Generated from the zod schemas in shared/domain/telemetry/items.ts and shared/http/ingest-routes.ts by',
    '     `npx diagnostics wire-reference --write`; test/http/openapi.test.ts fails when this file drifts. Do not edit. -->',
    '',
    'What a device sends, field by field. `context`, `attributes` and `data` are free-form objects nested at most 6 levels',
    'with at most 128 keys. The same schemas are in the OpenAPI document, `GET /api/openapi.json`. How items are',
    'checked, masked and stored: [ingest.md](ingest.md).',
  ];
  for (const [title, text, schema, overrides] of sections) {
    parts.push('', `## ${title}`);
    if (text) parts.push(text);
    parts.push('', table(schema, overrides));
  }
  return `${parts.join('\n')}\n`;
}
