// Reads config/security/data_masking_rules.yaml, validated with zod, and compiles the masking engine from it:
// a bad file fails the cold start, naming the offending paths. The composition root builds the app's one engine.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createMaskingEngine, parseMaskingRules, type MaskingEngine, type MaskingEngineOptions, type MaskingRulesDocument } from '../domain/masking';

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

export function loadMaskingRules(file = defaultRulesPath()): MaskingRulesDocument {
  return parseMaskingRules(readFileSync(file, 'utf8'), file);
}

/**
 * The engine compiled from the rules file. Without a `hashKey` the `hash` method uses a random per-process key;
 * the app passes one derived from its settings so hashes join across instances and restarts.
 */
export function loadMaskingEngine(options: MaskingEngineOptions = {}, file = defaultRulesPath()): MaskingEngine {
  return createMaskingEngine(loadMaskingRules(file), options);
}
