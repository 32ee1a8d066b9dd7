// `npm run fixtures:wire`: writes the wire-contract fixtures (JSON Schemas from the server's zod schemas, and
// examples) to sdk-contract/fixtures/, where the device SDKs' tests read them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { wireFixtureFiles } from './wire-fixtures';

const directory = path.join(__dirname, 'fixtures');
mkdirSync(directory, { recursive: true });
for (const [name, text] of Object.entries(wireFixtureFiles())) writeFileSync(path.join(directory, name), text);
console.log(`wrote ${Object.keys(wireFixtureFiles()).length} files to ${path.relative(process.cwd(), directory) || '.'}`);
