// Lengths as zod measures them: the checks derived from zod schemas (the query check, the item check) must agree
// with zod on every string, emoji included.

/** A string's length in code points (an emoji counts once, not as two UTF-16 units). */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    if ((text.charCodeAt(index) & 0xfc00) === 0xd800 && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      count--;
      index++;
    }
  }
  return count;
}
