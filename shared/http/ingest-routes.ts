// Request envelopes and response shaping shared by the device ingest endpoints. Items are checked one by
// one in the ingest service (so each item's outcome is counted); the envelope is checked here.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { AppError } from '../errors';
import { deviceContextSchema, ingestItemSchema, MAX_ITEMS_PER_BATCH } from '../domain/telemetry/items';
import type { DeviceCredential } from '../services/device-credentials';
import type { DeviceCall, IngestResult, IngestServiceDependencies } from '../services/ingest-service';
import { isProtobufRequest, json } from './endpoint';
import { documentedAs } from './openapi';
import { encodeExportResponse, type OtlpPartialSuccess } from '../domain/telemetry/otlp-protobuf';

/** 1 MiB: 50 items at their field limits stay well under it; larger bodies are refused with 413. */
export const INGEST_MAX_BODY_BYTES = 1024 * 1024;

/** OTLP exporters send up to 512 items per request by default, uncompressed unless configured. */
export const OTLP_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The count limit (MAX_ITEMS_PER_BATCH) is checked by the ingest service, which counts refused items; the body cap bounds the array. */
const itemsSchema = documentedAs(z.array(z.unknown()).min(1), z.array(ingestItemSchema).min(1).max(MAX_ITEMS_PER_BATCH));

// Compiled (zod's ahead-of-time fast path): every batch goes through these; an invalid body falls back to zod's
// own parser, so its issues are unchanged.
export const ingestEnvelopeSchema = z.compile(
  z.object({
    sessionId: z.string().regex(/^ds_[0-9a-f-]{36}$/, 'a session id looks like ds_<uuid>'),
    device: deviceContextSchema.default({}),
    optedOut: z.boolean().default(false),
    items: itemsSchema,
  }),
);

/** `/sessions/{id}/logs` and `/traces`: the session comes from the path, items may omit `kind`. */
export const singleKindEnvelopeSchema = z.compile(
  z.object({
    device: deviceContextSchema.default({}),
    optedOut: z.boolean().default(false),
    items: itemsSchema,
  }),
);

export const consentBodySchema = z.object({ granted: z.boolean(), device: deviceContextSchema.default({}) }).strict();

const idempotencyKeyPattern = /^[\w.:-]{1,128}$/;

/** What a device call's handler passes on besides the body; `device` is the endpoint wrapper's verified credential. */
export function deviceCall<Device extends DeviceCredential | undefined>(
  request: HttpRequest,
  ingest: Pick<IngestServiceDependencies, 'regionHeaderName'>,
  device: Device,
  correlationId: string,
  route: string,
): Omit<DeviceCall, 'device'> & { device: Device } {
  const idempotencyKey = request.headers.get('idempotency-key');
  if (idempotencyKey !== null && !idempotencyKeyPattern.test(idempotencyKey)) {
    throw new AppError('invalid_input', 'Idempotency-Key must be 1-128 letters, digits or . : - _', {
      issues: [{ field: 'Idempotency-Key', message: 'invalid' }],
    });
  }
  return {
    device,
    correlationId,
    userAgentHeader: request.headers.get('user-agent'),
    regionHeader: ingest.regionHeaderName ? request.headers.get(ingest.regionHeaderName) : undefined,
    idempotencyKey,
    route,
  };
}

export function ingestResponse(result: IngestResult): HttpResponseInit {
  return json(result.status, result.body, result.replayed ? { 'idempotency-replayed': 'true' } : {});
}

/** An OTLP export's answer in the request's encoding: Export*ServiceResponse in protobuf, else its JSON form. */
export function otlpResponse(request: HttpRequest, answer: { partialSuccess?: OtlpPartialSuccess }): HttpResponseInit {
  if (!isProtobufRequest(request)) return json(200, answer);
  return { status: 200, body: encodeExportResponse(answer), headers: { 'content-type': 'application/x-protobuf' } };
}
