// The error fingerprint: repeats of one crash group together whatever their message says; a crash at another
// place or of another type does not; load addresses, lines and columns do not split a group.
import { describe, expect, it } from 'vitest';
import { errorFingerprint, topFrame } from '../../shared/domain/telemetry/error-fingerprint';

const jsStack = (line: number, column: number) =>
  `TypeError: cannot read properties of undefined (reading 'total')\n    at computeTotal (checkout.js:${line}:${column})\n    at onPay (checkout.js:88:3)`;

describe('topFrame', () => {
  it.each([
    ['JavaScript', jsStack(42, 17), 'at computeTotal (checkout.js)'],
    [
      'Java',
      'java.lang.IllegalStateException: boom\n\tat com.shop.Cart.total(Cart.java:42)\n\tat com.shop.Pay.run(Pay.java:9)',
      'at com.shop.Cart.total(Cart.java)',
    ],
    ['Python', 'Traceback (most recent call last):\n  File "cart.py", line 42, in total\n    return sum(x)\nTypeError: boom', 'File "cart.py", in total'],
    ['native', 'Fatal signal\n0   ShopApp   0x000000010234abcd Cart.total + 52\n1   ShopApp   0x0000000102340000 main + 4', '0   ShopApp   0x Cart.total'],
    ['no frames', 'just a message', undefined],
    ['no stack', undefined, undefined],
  ])('%s', (_format, stack, expected) => {
    expect(topFrame(stack)).toBe(expected);
  });
});

describe('errorFingerprint', () => {
  it('is the same for the same type and place, whatever the line, column, load address or message', () => {
    expect(errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17) })).toBe(errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 5) }));
    expect(errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17) })).toBe(errorFingerprint({ errorType: 'TypeError', stack: jsStack(97, 3) }));
    expect(errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17), message: 'order 1' })).toBe(
      errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17), message: 'order 2 of 7' }),
    );
    const native = (address: string) => `0   ShopApp   0x${address} Cart.total + 52`;
    expect(errorFingerprint({ errorType: 'SIGSEGV', stack: native('10234abcd') })).toBe(errorFingerprint({ errorType: 'SIGSEGV', stack: native('20000abcd') }));
    expect(errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17) })).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs for another function, another type, or another module or message shape when there is no stack', () => {
    const base = errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17) });
    expect(errorFingerprint({ errorType: 'TypeError', stack: jsStack(42, 17).replace('computeTotal', 'computeTax') })).not.toBe(base);
    expect(errorFingerprint({ errorType: 'TypeError', module: 'cart', message: 'Order 1 failed' })).toBe(
      errorFingerprint({ errorType: 'TypeError', module: 'cart', message: 'Order 22 failed' }),
    );
    expect(errorFingerprint({ errorType: 'TypeError', module: 'cart', message: 'Order 1 failed' })).not.toBe(
      errorFingerprint({ errorType: 'TypeError', module: 'cart', message: 'Payment declined' }),
    );
    expect(errorFingerprint({ errorType: 'RangeError', stack: jsStack(42, 17) })).not.toBe(base);
    expect(errorFingerprint({ errorType: 'TypeError', module: 'cart' })).not.toBe(errorFingerprint({ errorType: 'TypeError', module: 'pay' }));
  });

  it('is undefined with neither a type, a place nor a message', () => {
    expect(errorFingerprint({})).toBeUndefined();
    expect(errorFingerprint({ stack: 'no frame here' })).toBeUndefined();
  });
});
