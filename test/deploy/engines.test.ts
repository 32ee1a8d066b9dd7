// Every package the lockfile installs runs on the Node the app declares, so `npm ci` prints no EBADENGINE warning
// and nothing depends on a newer runtime than the Bicep deploys (docs/libraries.md "Pinned versions").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lockfile = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; optional?: boolean; engines?: { node?: string } | string[] }>;
};

describe('engines', () => {
  it('the lowest Node the app declares satisfies every locked package', () => {
    const lowest = semver.minVersion(manifest.engines.node);
    expect(lowest?.version).toMatch(/^20\./);
    const refusing = Object.entries(lockfile.packages)
      // npm skips an optional package (a platform binary) whose engines do not match, without a warning.
      .filter(([location, entry]) => location !== '' && !entry.optional)
      .flatMap(([location, entry]) => {
        const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
        return range && !semver.satisfies(lowest!, range) ? [`${location.replace(/^.*node_modules\//, '')}@${entry.version}: ${range}`] : [];
      });
    expect(refusing).toEqual([]);
  });
});
