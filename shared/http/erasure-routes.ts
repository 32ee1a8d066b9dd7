// Route parameters and responses of the erasure endpoints.
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { erasureIdSchema, erasureView, type ErasureRecord } from '../domain/privacy/erasure';
import { json } from './endpoint';

export const erasureParamsSchema = z.object({ id: erasureIdSchema });

export function erasureLocation(id: string): string {
  return `/api/diagnostics/erasures/${id}`;
}

export function erasureResponse(status: number, erasure: ErasureRecord, headers: Record<string, string> = {}): HttpResponseInit {
  return json(status, erasureView(erasure), headers);
}
