// How a captured body's content type is read, and a header found whatever the case of its name: table-driven.
import { describe, expect, it } from 'vitest';
import { bodyFormatOf, headerValue, type BodyFormat } from '../../shared/domain/masking';

describe('bodyFormatOf', () => {
  const cases: Array<[string | undefined, BodyFormat]> = [
    [undefined, 'text'],
    ['', 'text'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON; charset=UTF-8', 'json'],
    ['  application/json  ', 'json'],
    ['application/problem+json', 'json'],
    ['text/json', 'json'],
    ['application/jsonp', 'text'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=UTF-8', 'form'],
    ['text/plain', 'text'],
    ['multipart/form-data; boundary=x', 'text'],
  ];
  it.each(cases)('%j is %s', (contentType, format) => {
    expect(bodyFormatOf(contentType)).toBe(format);
  });
});

describe('headerValue', () => {
  it('finds a header by its name in any case, the first of several spellings', () => {
    expect(headerValue({ 'Content-Type': 'a', 'content-type': 'b' }, 'content-type')).toBe('a');
    expect(headerValue({ accept: 'x', 'CONTENT-TYPE': 'c' }, 'Content-Type')).toBe('c');
    expect(headerValue({ 'content-typ': 'x', 'content-types': 'y' }, 'content-type')).toBeUndefined();
    expect(headerValue(undefined, 'content-type')).toBeUndefined();
  });
});
