// Entry point of the masking engine: reads config/security/data_masking_rules.yaml once, validates it with zod,
// compiles it and caches the engine for the process. Every path that stores or emits customer content uses it.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createMaskingEngine, type MaskingEngineOptions } from './engine';
import type { MaskingEngine } from './masking-engine';
import { maskingRulesSchema, type MaskingRulesDocument } from './rules-schema';

export * from './masking-engine';
export { createMaskingEngine, normalizeFieldName, type MaskingEngineOptions } from './engine';
export { maskingRulesSchema, type MaskingRulesDocument } from './rules-schema';
export { bodyFormatOf, headerValue, maskCapturedBody, type BodyFormat } from './captured-body';

export const MASKING_RULES_FILE = path.join('config', 'security', 'data_masking_rules.yaml');

/** The package root, found upwards from this file: works from the sources (vitest, tsx) and from `dist/`. */
function packageRoot(): string {
  let directory = __dirname;
  for (;;) {
    if (existsSync(path.join(directory, 'package.json')) && existsSync(path.join(directory, MASKING_RULES_FILE))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`Masking rules not found: no ${MASKING_RULES_FILE} above ${__dirname}`);
    directory = parent;
  }
}

export function defaultRulesPath(): string {
  return path.join(packageRoot(), MASKING_RULES_FILE);
}

/** Parses and validates a rules document; a bad file fails fast at cold start, naming the offending paths. */
export function parseMaskingRules(source: string, origin = 'masking rules'): MaskingRulesDocument {
  const result = maskingRulesSchema.safeParse(parseYaml(source));
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid ${origin}: ${issues.join('; ')}`);
  }
  return result.data;
}

export function loadMaskingRules(file = defaultRulesPath()): MaskingRulesDocument {
  return parseMaskingRules(readFileSync(file, 'utf8'), file);
}

let cached: MaskingEngine | undefined;
let configured: MaskingEngineOptions = {};

/**
 * Sets the engine's options (the HMAC key of the `hash` method) before first use; the composition root calls it
 * once with a key derived from the settings. Without it, hashes use a random per-process key.
 */
export function configureMaskingEngine(options: MaskingEngineOptions): void {
  const sameKey = Buffer.from(options.hashKey ?? '').equals(Buffer.from(configured.hashKey ?? ''));
  if (sameKey && options.maxDepth === configured.maxDepth) return;
  configured = { ...options };
  cached = undefined;
}

/** The `hash` method's key, derived from a deployment secret so hashes join across instances and restarts. */
export function deriveMaskingHashKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('diagnostics-masking-hash-v1').digest();
}

export function getMaskingEngine(): MaskingEngine {
  cached ??= createMaskingEngine(loadMaskingRules(), configured);
  return cached;
}
