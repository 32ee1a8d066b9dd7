// This app's OpenAPI document, built once on first request from every registered route.
import { functionRegistry } from '../runtime/registry';
import { buildOpenApiDocument } from './openapi';

let built: Record<string, unknown> | undefined;

export function apiDocument(): Record<string, unknown> {
  built ??= buildOpenApiDocument(functionRegistry.http, { title: 'Remote diagnostics API', version: '0.1.0', serverUrl: '/' });
  return built;
}
