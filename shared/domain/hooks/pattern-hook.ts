// Pattern hooks: per-product rules matched against every stored (already masked) item, with the action to take
// and a throttle. Schemas are the wire types; a rule is compiled once, its regex with RE2 semantics (re2js):
// matching is linear in the text whatever the pattern, so no rule can stall ingest.
import { randomUUID } from 'node:crypto';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { AppError } from '../../errors';
import { channelNameSchema } from '../events/notification-routing';
import { productIdSchema } from '../sessions/session';
import { logLevelSchema } from '../telemetry/items';
import { tailItemTypeSchema, type TailDoc } from '../telemetry/tail';

export const MAX_REGEX_LENGTH = 256;
export const MAX_HOOKS_PER_PRODUCT = 50;
/** Texts longer than this are matched on their first part only (stored messages are at most 8 KiB anyway). */
const MAX_MATCHED_TEXT = 16 * 1024;

export const hookIdSchema = z.string().regex(/^hk_[0-9a-f-]{36}$/, 'a hook id looks like hk_<uuid>');

const matchSchema = z
  .object({
    level: z.array(logLevelSchema).min(1).max(6).optional(),
    type: z.array(tailItemTypeSchema).min(1).max(4).optional(),
    /** Case-sensitive substring of the masked text (log/breadcrumb message, span name, network URL). */
    textContains: z.string().min(1).max(256).optional(),
    regex: z.string().min(1).max(MAX_REGEX_LENGTH, `at most ${MAX_REGEX_LENGTH} characters`).optional(),
    module: z.string().min(1).max(256).optional(),
    /** Network captures with at least this HTTP status. */
    statusAtLeast: z.number().int().min(100).max(999).optional(),
  })
  .strict()
  .refine((match) => !(match.textContains && match.regex), { message: 'give textContains or regex, not both', path: ['regex'] })
  .refine((match) => Object.values(match).some((value) => value !== undefined), {
    message: 'match at least one of level, type, textContains, regex, module, statusAtLeast',
  });
export type HookMatch = z.infer<typeof matchSchema>;

const actionSchema = z
  .object({
    /** Configured notification channels (NOTIFICATION_* settings), as the routing names them. */
    notify: z.array(channelNameSchema).min(1).max(5).optional(),
    /** A signed webhook (WEBHOOK_SECRET) to this address. */
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  })
  .strict()
  .refine((action) => (action.notify === undefined) !== (action.webhookUrl === undefined), { message: 'give notify or webhookUrl (one of them)' });
export type HookAction = z.infer<typeof actionSchema>;

const throttleSchema = z
  .object({
    max: z.number().int().min(1).max(100),
    windowSeconds: z.number().int().min(10).max(86_400),
  })
  .strict();

export const createHookRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    match: matchSchema,
    action: actionSchema,
    throttle: throttleSchema.default({ max: 1, windowSeconds: 300 }),
    enabled: z.boolean().default(true),
  })
  .strict();
export type CreateHookRequest = z.infer<typeof createHookRequestSchema>;

export const updateHookRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    match: matchSchema.optional(),
    action: actionSchema.optional(),
    throttle: throttleSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'nothing to change' });
export type UpdateHookRequest = z.infer<typeof updateHookRequestSchema>;

/** `pattern_hooks` (pk `/productId`). */
export const patternHookSchema = z.object({
  id: hookIdSchema,
  productId: productIdSchema,
  name: z.string(),
  match: matchSchema,
  action: actionSchema,
  throttle: throttleSchema,
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PatternHook = z.infer<typeof patternHookSchema>;

export function newHook(productId: string, input: CreateHookRequest, createdBy: string, now: Date): PatternHook {
  const at = now.toISOString();
  return { id: `hk_${randomUUID()}`, productId, ...input, createdBy, createdAt: at, updatedAt: at };
}

/**
 * A group that ends in a quantifier and is quantified again (`(a+)+`, `(x*){2,}`): harmless under RE2, but the
 * classic catastrophic shape for the backtracking engines a dashboard or client may paste it into, so refused.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})\)(?:[+*]|\{\d+,\d*\})/;

/** Compiles a hook's regex or throws a 400 naming `match.regex`; RE2 refuses backreferences, look-arounds and huge repeats. */
export function compileHookRegex(pattern: string): RE2JS {
  const refuse = (message: string) => new AppError('invalid_input', `match.regex: ${message}`, { issues: [{ field: 'match.regex', message }] });
  if (pattern.length > MAX_REGEX_LENGTH) throw refuse(`at most ${MAX_REGEX_LENGTH} characters`);
  if (NESTED_QUANTIFIER.test(pattern)) throw refuse('nested quantifiers such as (a+)+ are catastrophic for backtracking engines; rewrite without them');
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    // The parser's message names the construct (`invalid or unsupported Perl syntax: (?=`), never other input.
    throw refuse(`not a safe (RE2) regular expression: ${(error as Error).message.replace(/^error parsing regexp: /, '').slice(0, 200)}`);
  }
}

export interface CompiledHook {
  hook: PatternHook;
  matches(doc: TailDoc): boolean;
}

/** The text a hook's textContains/regex looks at: the masked message, span name or URL. */
export function hookTextOf(doc: TailDoc): string {
  const text = doc.docType === 'span' ? doc.name : doc.docType === 'network' ? doc.url : doc.message;
  return text.length > MAX_MATCHED_TEXT ? text.slice(0, MAX_MATCHED_TEXT) : text;
}

export function compileHook(hook: PatternHook): CompiledHook {
  const { match } = hook;
  const regex = match.regex === undefined ? undefined : compileHookRegex(match.regex);
  return {
    hook,
    matches(doc) {
      if (match.type && !match.type.includes(doc.docType)) return false;
      if (match.level) {
        const level = doc.docType === 'log' || doc.docType === 'breadcrumb' ? doc.level : undefined;
        if (!level || !match.level.includes(level)) return false;
      }
      if (match.module !== undefined && (doc.docType !== 'log' || doc.module !== match.module)) return false;
      if (match.statusAtLeast !== undefined && (doc.docType !== 'network' || (doc.status ?? 0) < match.statusAtLeast)) return false;
      if (match.textContains !== undefined && !hookTextOf(doc).includes(match.textContains)) return false;
      if (regex && !regex.matcher(hookTextOf(doc)).find()) return false;
      return true;
    },
  };
}

/** The dashboard's address of one item: the session's logs tab with the item selected. */
export function itemDeepLink(publicBaseUrl: string, sessionId: string, itemId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/sessions/${encodeURIComponent(sessionId)}?tab=logs&item=${encodeURIComponent(itemId)}`;
}
