// Captured HTTP bodies (a network capture's requestBody and responseBody) are text that is often JSON or a form.
// Read as its content type says, a body is masked by field name inside (a `cvv` field goes whatever it holds) and
// written back; a body that does not parse, or of another type, goes through the text rules as it is.
import { emptyRedaction, type MaskingEngine, type ValueMaskResult } from './masking-engine';

/** Bodies over this many characters are masked as text only: parsing them would cost more than it finds. */
const MAX_PARSED_BODY_CHARS = 256 * 1024;

export type BodyFormat = 'json' | 'form' | 'text';

/** What a `content-type` value says a body is: `application/json`, `…+json`, `application/x-www-form-urlencoded`. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  if (!contentType) return 'text';
  // What nearly every capture says, answered without splitting and lower-casing a copy of it.
  if (contentType === 'application/json' || contentType === 'application/json; charset=utf-8') return 'json';
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === 'text/json') return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  return 'text';
}

/** A header's value whatever the case of its name (captured headers keep the app's spelling). */
export function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  // Only a key of the same length can match: most are not lower-cased at all.
  for (const key in headers) {
    if (Object.hasOwn(headers, key) && (key === wanted || (key.length === wanted.length && key.toLowerCase() === wanted))) return headers[key];
  }
  return undefined;
}

function maskAsText(engine: MaskingEngine, body: string, path: string): ValueMaskResult<string> {
  return engine.maskValue(body, path);
}

function maskJson(engine: MaskingEngine, body: string, path: string): ValueMaskResult<string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const masked = engine.maskValue(parsed, path);
  // Nothing masked: the body stays byte for byte as captured (its spacing and key order).
  if (masked.redaction.count === 0) return { value: body, redaction: masked.redaction };
  return { value: JSON.stringify(masked.value), redaction: masked.redaction };
}

function maskForm(engine: MaskingEngine, body: string, path: string): ValueMaskResult<string> | undefined {
  if (!/^[^=&\s]+=/.test(body)) return undefined;
  const params = new URLSearchParams(body);
  const redaction = emptyRedaction();
  const output = new URLSearchParams();
  for (const [name, value] of params) {
    const masked = engine.maskValue({ [name]: value }, path);
    output.append(name, (masked.value as Record<string, unknown>)[name] as string);
    redaction.count += masked.redaction.count;
    for (const field of masked.redaction.fieldsRedacted) if (!redaction.fieldsRedacted.includes(field)) redaction.fieldsRedacted.push(field);
    for (const rule of masked.redaction.patternsMatched) if (!redaction.patternsMatched.includes(rule)) redaction.patternsMatched.push(rule);
  }
  if (redaction.count === 0) return { value: body, redaction };
  return { value: output.toString(), redaction };
}

/**
 * Masks one captured body: parsed per its content type and masked field by field, then serialised again (only if
 * something was masked, so clean bodies stay as captured); the text rules run on what does not parse. The text
 * rules also run over the serialised result, so a secret a field rule could not see (inside a string) still goes.
 */
export function maskCapturedBody(engine: MaskingEngine, body: string, contentType: string | undefined, path: string): ValueMaskResult<string> {
  const format = body.length > MAX_PARSED_BODY_CHARS ? 'text' : bodyFormatOf(contentType);
  const structured = format === 'json' ? maskJson(engine, body, path) : format === 'form' ? maskForm(engine, body, path) : undefined;
  return structured ?? maskAsText(engine, body, path);
}
