// Reads config/security/field_access_policy.yaml and compiles the field access policy from it (zod-validated):
// a bad file fails the cold start, naming the offending paths. The composition root builds the app's one policy.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFieldPolicy, type FieldPolicy } from '../domain/access/field-policy';

export const FIELD_POLICY_FILE = path.join('config', 'security', 'field_access_policy.yaml');

function packageRoot(): string {
  let directory = __dirname;
  for (;;) {
    if (existsSync(path.join(directory, 'package.json')) && existsSync(path.join(directory, FIELD_POLICY_FILE))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`Field access policy not found: no ${FIELD_POLICY_FILE} above ${__dirname}`);
    directory = parent;
  }
}

export function defaultFieldPolicyPath(): string {
  return path.join(packageRoot(), FIELD_POLICY_FILE);
}

export function loadFieldPolicy(file = defaultFieldPolicyPath()): FieldPolicy {
  return parseFieldPolicy(readFileSync(file, 'utf8'), file);
}
