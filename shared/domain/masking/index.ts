// Entry point of the masking engine: rules documents validated with zod and compiled into an engine. Reading
// the rules file is the config layer's (shared/config/masking-rules.ts); the composition root builds one engine.
import { createHmac } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { maskingRulesSchema, type MaskingRulesDocument } from './rules-schema';

export * from './masking-engine';
export { createMaskingEngine, normalizeFieldName, type MaskingEngineOptions } from './engine';
export { maskingRulesSchema, type MaskingRulesDocument } from './rules-schema';
export { bodyFormatOf, headerValue, maskCapturedBody, type BodyFormat } from './captured-body';

/** Parses and validates a rules document; a bad file fails fast at cold start, naming the offending paths. */
export function parseMaskingRules(source: string, origin = 'masking rules'): MaskingRulesDocument {
  const result = maskingRulesSchema.safeParse(parseYaml(source));
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid ${origin}: ${issues.join('; ')}`);
  }
  return result.data;
}

/** The `hash` method's key, derived from a deployment secret so hashes join across instances and restarts. */
export function deriveMaskingHashKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('diagnostics-masking-hash-v1').digest();
}
