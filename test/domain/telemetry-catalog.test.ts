// The catalog check's memo of frozen dimension objects never lets through what the full check refuses.
import { describe, expect, it } from 'vitest';
import { catalogProblem } from '../../shared/ports/telemetry-catalog';

describe('catalogProblem with frozen dimension objects', () => {
  it('accepts a frozen object again for the same metric, and still checks it for another', () => {
    const dimensions = Object.freeze({ outcome: 'not_modified', session: 'none' });
    expect(catalogProblem('metric', 'config.poll_total', dimensions)).toBeUndefined();
    expect(catalogProblem('metric', 'config.poll_total', dimensions)).toBeUndefined();
    expect(catalogProblem('metric', 'http.request.duration_ms', dimensions)?.reason).toBe('unknown_dimension');
    expect(catalogProblem('metric', 'config.poll_total', dimensions)).toBeUndefined();
  });

  it('never remembers a refusal as a fit, frozen or not', () => {
    const invalid = Object.freeze({ outcome: 'someone@example.com', session: 'none' });
    expect(catalogProblem('metric', 'config.poll_total', invalid)?.reason).toBe('invalid_value');
    expect(catalogProblem('metric', 'config.poll_total', invalid)?.reason).toBe('invalid_value');
    const mutable: Record<string, string> = { outcome: 'changed', session: 'none' };
    expect(catalogProblem('metric', 'config.poll_total', mutable)).toBeUndefined();
    mutable.session = 'a sentence with spaces';
    expect(catalogProblem('metric', 'config.poll_total', mutable)?.reason).toBe('invalid_value');
  });
});
