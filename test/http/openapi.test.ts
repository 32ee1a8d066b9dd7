// GET /api/openapi.json: a valid OpenAPI 3.1 document (checked against the specification's own JSON Schema) that
// holds every route the app registers, each with its auth scheme, its parameters and body from the same zod
// schemas the routes validate with, and problem+json errors.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_REFERENCE_PATH } from '../../cli/diagnostics';
import { openApiPath } from '../../shared/http/openapi';
import { renderWireReference } from '../../shared/http/wire-reference';
import { functionRegistry } from '../../shared/runtime/registry';
import { startTestHost, type TestHost } from '../support/test-host';

interface Operation {
  operationId: string;
  security: Array<Record<string, string[]>>;
  parameters: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }>; headers?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

let host: TestHost;
let document: Document;

beforeAll(async () => {
  host = await startTestHost();
  const response = await host.call('GET', '/api/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  document = (await response.json()) as Document;
});
afterAll(() => host.close());

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('holds every registered route and method, with its auth scheme and errors', () => {
    expect(functionRegistry.http.length).toBeGreaterThan(25);
    for (const definition of functionRegistry.http) {
      for (const method of definition.methods) {
        const operation = document.paths[openApiPath(definition.route)]?.[method.toLowerCase()];
        expect(operation, `${method} ${definition.route}`).toBeDefined();
        expect(operation!.operationId).toBe(definition.name);
        const auth = definition.contract!.auth;
        const schemes = new Set(operation!.security.flatMap((requirement) => Object.keys(requirement)));
        expect(schemes.has('bearerAuth'), `${definition.name} bearer`).toBe(Boolean(auth.bearer));
        expect(schemes.has('deviceToken'), `${definition.name} device`).toBe(Boolean(auth.device));
        expect(schemes.has('ingestKey'), `${definition.name} key`).toBe(Boolean(auth.ingestKey || auth.device));
        for (const name of schemes) expect(document.components.securitySchemes).toHaveProperty(name);
        const unavailable = operation!.responses['503']!;
        expect(unavailable.headers).toHaveProperty('Retry-After');
        const errorType = definition.contract!.errorFormat === 'otlp' ? 'application/json' : 'application/problem+json';
        expect(unavailable.content![errorType]!.schema.$ref).toMatch(/^#\/components\/schemas\/(Problem|OtlpStatus)$/);
        if (definition.contract!.body) expect(operation!.responses['400'], definition.name).toBeDefined();
        if (auth.bearer) expect(operation!.responses['401'], definition.name).toBeDefined();
      }
    }
    // And nothing that is not registered.
    const documented = Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
    expect(documented).toBe(functionRegistry.http.reduce((sum, definition) => sum + definition.methods.length, 0));
  });

  it('describes bodies and parameters from the route schemas', () => {
    const ingest = document.paths['/api/diagnostics/ingest']!.post!;
    const body = JSON.stringify(ingest.requestBody!.content['application/json']!.schema);
    // The network capture as the schema takes it: sizes as two numbers, headers as a record.
    expect(body).toContain('"requestSize"');
    expect(body).toContain('"responseHeaders"');
    expect(body).not.toContain('"sizes"');
    const logs = document.paths['/api/diagnostics/sessions/{id}/logs']!.get!;
    expect(logs.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', in: 'path', required: true }),
        expect.objectContaining({ name: 'continuationToken', in: 'query', required: false }),
      ]),
    );
    // Every $ref resolves inside the document.
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
    for (const name of refs) expect(document.components.schemas, name).toHaveProperty(name);
  });
});

describe('the ingest wire reference', () => {
  it('is the one the schemas generate (run `npx diagnostics wire-reference --write` after changing them)', async () => {
    const committed = await readFile(path.join(__dirname, '..', '..', WIRE_REFERENCE_PATH), 'utf8');
    expect(committed).toBe(renderWireReference());
    // The network capture as the schema takes it, which the hand-written reference once got wrong.
    expect(committed).toMatch(/\| `requestSize` \| integer \|/);
    expect(committed).toMatch(/\| `requestHeaders` \| object of string by name \|/);
  });
});
