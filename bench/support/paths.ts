// Where the repository is, whether the benchmark runs compiled (dist/bench/...) or from source (vitest).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function findRepositoryRoot(start: string): string {
  for (let directory = start; ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'remote-diagnostics') return directory;
    if (path.dirname(directory) === directory) throw new Error(`No repository root above ${start}`);
  }
}

export const repositoryRoot = findRepositoryRoot(__dirname);

export function installedVersion(packageName: string): string {
  const manifest = path.join(repositoryRoot, 'node_modules', ...packageName.split('/'), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
