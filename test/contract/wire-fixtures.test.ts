// The wire-contract fixtures the device SDKs read: every valid example parses with the server's zod schema
// without losing a field, every invalid one is refused at the field it names, and the committed files are
// exactly what `npm run fixtures:wire` generates from the schemas today (so a schema change cannot leave them stale).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wireContracts, wireFixtureFiles } from '../../sdk-contract/wire-fixtures';

const fixturesDirectory = path.join(__dirname, '../../sdk-contract/fixtures');

/** Fields present in what was sent but missing after parsing: the server would have dropped them silently. */
function strippedPaths(sent: unknown, parsed: unknown, at = ''): string[] {
  if (sent === null || typeof sent !== 'object') return [];
  if (parsed === null || typeof parsed !== 'object') return [at || '(root)'];
  return Object.entries(sent as Record<string, unknown>).flatMap(([key, value]) => {
    const child = (parsed as Record<string, unknown>)[key];
    return child === undefined && value !== undefined ? [`${at}${key}`] : strippedPaths(value, child, `${at}${key}.`);
  });
}

describe('wire-contract fixtures', () => {
  it('are the files the generator writes from the current schemas', () => {
    for (const [name, text] of Object.entries(wireFixtureFiles())) {
      expect(readFileSync(path.join(fixturesDirectory, name), 'utf8'), `${name} is stale: run npm run fixtures:wire`).toBe(text);
    }
  });

  for (const [name, contract] of Object.entries(wireContracts)) {
    describe(name, () => {
      it.each(contract.valid.map((example) => [example.name, example]))('accepts %s', (_label, example) => {
        const result = contract.schema.safeParse(example.body);
        expect(result.success, JSON.stringify(result.error?.issues.slice(0, 3))).toBe(true);
        if (contract.closeObjects) expect(strippedPaths(example.body, result.data)).toEqual([]);
      });

      it.each(contract.invalid.map((example) => [example.name, example]))('refuses %s at the field it names', (_label, example) => {
        const result = contract.schema.safeParse(example.body);
        expect(result.success).toBe(false);
        expect(result.error!.issues[0]!.path.join('.')).toBe(example.path);
      });
    });
  }
});
