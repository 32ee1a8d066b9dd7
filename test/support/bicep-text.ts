// Reads our own Bicep files well enough for consistency tests: strips comments, finds a declaration's
// balanced [...] or {...} block, and lists the string items or keys in it. Not a Bicep compiler.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const BICEP_DIRECTORY = path.join(__dirname, '../../bicep');

export function readBicep(relativePath: string): string {
  return stripComments(readFileSync(path.join(BICEP_DIRECTORY, relativePath), 'utf8'));
}

/** Removes // and /* *\/ comments outside string literals, keeping line breaks. */
export function stripComments(text: string): string {
  let result = '';
  let index = 0;
  let inString = false;
  while (index < text.length) {
    const character = text[index]!;
    if (inString) {
      result += character;
      if (character === '\\') {
        result += text[index + 1] ?? '';
        index += 2;
        continue;
      }
      if (character === "'") inString = false;
      index += 1;
    } else if (character === "'") {
      inString = true;
      result += character;
      index += 1;
    } else if (text.startsWith('//', index)) {
      while (index < text.length && text[index] !== '\n') index += 1;
    } else if (text.startsWith('/*', index)) {
      const end = text.indexOf('*/', index + 2);
      index = end < 0 ? text.length : end + 2;
    } else {
      result += character;
      index += 1;
    }
  }
  return result;
}

const closing: Record<string, string> = { '[': ']', '{': '}', '(': ')' };

/** Problems with bracket nesting and string termination; empty when the text is balanced. */
export function bracketProblems(text: string): string[] {
  const stack: Array<{ open: string; line: number }> = [];
  const problems: string[] = [];
  let line = 1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (character === '\n') {
      if (inString) problems.push(`line ${line}: string not closed`);
      line += 1;
      inString = false;
      continue;
    }
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === "'") inString = false;
      continue;
    }
    if (character === "'") inString = true;
    else if (closing[character]) stack.push({ open: character, line });
    else if (Object.values(closing).includes(character)) {
      const top = stack.pop();
      if (!top || closing[top.open] !== character) problems.push(`line ${line}: unexpected ${character}`);
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: ${open.open} never closed`);
  return problems;
}

/** The balanced block ([...] or {...}) that follows the first match of `declaration`, brackets included. */
export function blockAfter(text: string, declaration: RegExp): string {
  const match = declaration.exec(text);
  if (!match) throw new Error(`No ${declaration} in the Bicep text`);
  let start = match.index + match[0].length;
  while (start < text.length && !'[{'.includes(text[start]!)) start += 1;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index]!;
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === "'") inString = false;
      continue;
    }
    if (character === "'") inString = true;
    else if (character === '[' || character === '{') depth += 1;
    else if (character === ']' || character === '}') {
      depth -= 1;
      if (depth === 0) return text.slice(start, index + 1);
    }
  }
  throw new Error(`The block after ${declaration} is not closed`);
}

/** `var name = [ 'a' \n 'b' ]` → ['a', 'b'] (one string literal per line). */
export function stringArray(text: string, variable: string): string[] {
  const block = blockAfter(text, new RegExp(`(?:var|param)\\s+${variable}\\b[^=]*=`));
  return [...block.matchAll(/^\s*'([^']*)'\s*$/gm)].map((match) => match[1]!);
}

/** The `name: '...'` values of the objects in a block, in order. */
export function namesIn(block: string): string[] {
  return [...block.matchAll(/\bname:\s*'([^']+)'/g)].map((match) => match[1]!);
}

/** Top-level keys of an object literal block: `{ KEY: value \n ... }`. */
export function objectKeys(block: string): string[] {
  return [...block.slice(1, -1).matchAll(/^\s*([A-Za-z_][\w]*)\s*:/gm)].map((match) => match[1]!);
}

/** `output NAME type = ...` names. */
export function outputNames(text: string): string[] {
  return [...text.matchAll(/^output\s+(\w+)\s+\w+\s*=/gm)].map((match) => match[1]!);
}

/** Module paths and loadJsonContent/loadTextContent files referenced from a Bicep file. */
export function referencedFiles(text: string): string[] {
  const modules = [...text.matchAll(/^module\s+\w+\s+'([^']+)'/gm)].map((match) => match[1]!);
  const loaded = [...text.matchAll(/load(?:Json|Text)Content\('([^']+)'\)/g)].map((match) => match[1]!);
  return [...modules, ...loaded];
}
