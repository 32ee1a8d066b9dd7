// The TypeScript SDK against the shared wire-contract fixtures (sdk-contract/fixtures), as the Kotlin SDK's
// WireContractTest reads them: its config parser takes every valid answer and refuses every invalid one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeviceConfig } from '../src/config-poller';

interface Examples {
  valid: { name: string; body: unknown }[];
  invalid: { name: string; body: unknown; path: string }[];
}

const examples = JSON.parse(readFileSync(path.join(__dirname, '../../sdk-contract/fixtures/device-config.examples.json'), 'utf8')) as Examples;

describe('the SDK against the shared device-config fixtures', () => {
  it.each(examples.valid.map((example) => [example.name, example.body]))('reads %s', (_name, body) => {
    const config = parseDeviceConfig(body);
    const session = (body as { session?: { id: string; ingestToken: string } }).session;
    expect(config.session?.id).toBe(session?.id);
    expect(config.session?.ingestToken).toBe(session?.ingestToken);
  });

  it.each(examples.invalid.map((example) => [example.name, example.body]))('refuses %s', (_name, body) => {
    expect(() => parseDeviceConfig(body)).toThrow();
  });
});
