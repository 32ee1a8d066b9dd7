// OTLP attribute keys are client-chosen text; each one becomes a plain field of the record, whatever its name.
import { describe, expect, it } from 'vitest';
import { attributesToRecord } from '../../shared/domain/telemetry/otlp';

describe('attributesToRecord', () => {
  it('keeps an attribute named __proto__ as a field, without changing the prototype', () => {
    const record = attributesToRecord([
      { key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } },
      { key: 'user.id', value: { stringValue: 'u-1' } },
    ]);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect((record as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(record)).toEqual(['__proto__', 'user.id']);
    expect(JSON.parse(JSON.stringify(record))).toEqual({ ['__proto__']: { polluted: true }, 'user.id': 'u-1' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('maps nested lists and scalars as before', () => {
    expect(attributesToRecord([{ key: 'a', value: { arrayValue: { values: [{ intValue: '7' }, { doubleValue: 1.5 }] } } }])).toEqual({ a: [7, 1.5] });
  });
});
