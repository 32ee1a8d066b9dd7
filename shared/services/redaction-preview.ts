// The redaction preview use case: an admin pastes a sample and sees what the masking rules would store.
import { z } from 'zod';
import { AppError } from '../errors';
import type { Principal } from '../domain/access/principal';
import type { MaskingEngine, Redaction } from '../domain/masking';

/** The body cap of the preview endpoint: a sample, not a log export (that is `diagnostics redact --jsonl`). */
export const REDACTION_PREVIEW_MAX_BODY_BYTES = 64 * 1024;
export const REDACTION_PREVIEW_MAX_TEXT_CHARS = 32 * 1024;

export const redactionPreviewRequestSchema = z
  .object({
    text: z.string().max(REDACTION_PREVIEW_MAX_TEXT_CHARS).optional(),
    value: z.unknown().optional(),
  })
  .strict()
  .refine((body) => body.text !== undefined || body.value !== undefined, { message: 'send text, value or both', path: ['text'] });

export type RedactionPreviewRequest = z.infer<typeof redactionPreviewRequestSchema>;

export interface RedactionPreview {
  text?: string;
  value?: unknown;
  redaction: Redaction;
}

/** Admins of at least one product may preview; the rules are the same for every product. */
export function previewRedaction(masking: MaskingEngine, principal: Principal, request: RedactionPreviewRequest): RedactionPreview {
  if (!principal.roles.has('admin') || principal.products.size === 0) {
    throw new AppError('forbidden', 'Previewing redaction needs the admin role for at least one product');
  }
  const sample: Record<string, unknown> = {};
  if (request.text !== undefined) sample.text = request.text;
  if (request.value !== undefined) sample.value = request.value;
  const { value, redaction } = masking.maskValue(sample);
  return { ...value, redaction };
}
