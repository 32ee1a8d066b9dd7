// Check-digit algorithms shared by the validators and the national id table, kept apart so neither imports the other.

/** The Luhn (mod 10) check of a string of ASCII digits: cards, Canadian SINs, Swedish personal numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}
