// Route parameters and response shaping shared by the signal endpoints (issue 17).
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { productIdSchema } from '../domain/sessions/session';
import type { RuleKind, RuleOf, Versioned } from '../ports/signal-rule-store';
import { json } from './endpoint';

export const productParamsSchema = z.object({ productId: productIdSchema });
export const ruleParamsSchema = z.object({
  productId: productIdSchema,
  ruleId: z.string().regex(/^(ar|tr)_[0-9a-f-]{36}$/, 'a rule id looks like ar_<uuid> or tr_<uuid>'),
});

/** The rule with its ETag (body and header), for If-Match on the next change. */
export function ruleResponse<Kind extends RuleKind>(status: number, stored: Versioned<RuleOf<Kind>>): HttpResponseInit {
  return json(status, { ...stored.value, etag: stored.etag }, { etag: stored.etag.startsWith('"') ? stored.etag : `"${stored.etag}"` });
}

export function rulesResponse<Kind extends RuleKind>(rules: Array<Versioned<RuleOf<Kind>>>): HttpResponseInit {
  return json(200, { items: rules.map((entry) => ({ ...entry.value, etag: entry.etag })) });
}
