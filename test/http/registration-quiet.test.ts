// Outside a Functions host (npm start, tests, the CLI) loading the functions registers each one with the local
// registry only: no "Skipping call to register function … test mode" warning per function from @azure/functions.
import { describe, expect, it, vi } from 'vitest';
import { functionRegistry, functionsHostPresent } from '../../shared/runtime/registry';

describe('registration outside a Functions host', () => {
  it('registers every function without the package warnings', async () => {
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(' ')));
    try {
      await import('../../functions');
    } finally {
      warn.mockRestore();
    }
    expect(functionsHostPresent()).toBe(false);
    expect(functionRegistry.http.length).toBeGreaterThan(25);
    expect(functionRegistry.timers.length).toBeGreaterThan(0);
    expect(functionRegistry.topics.length).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });
});
