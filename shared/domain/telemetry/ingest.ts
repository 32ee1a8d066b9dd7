// The pure half of ingest: item validation with per-field issues, the time window, masking each item
// into its stored document, and the session counters a set of newly created documents adds up to.
import type { FieldIssue } from '../../errors';
import type { MaskingEngine, Redaction, ValueMaskResult } from '../masking';
import { headerValue, maskCapturedBody } from '../masking/captured-body';
import type { SessionStats } from '../sessions/session';
import type { StoredDevice } from './enrichment';
import { exactCheck } from './exact-check';
import { compiledIngestItemSchema, ingestItemSchema, sessionPartitionKey, type IngestItem, type LogDoc, type SpanDoc } from './items';

/** Older items are refused: the session's containers keep data only days, and such clocks are wrong. */
export const MAX_ITEM_AGE_IN_MS = 7 * 86_400_000;
/** Device clocks drift; beyond an hour ahead the time is wrong, not skewed. */
export const MAX_ITEM_AHEAD_IN_MS = 3_600_000;
const MAX_ISSUES = 20;

export type StoredDoc = LogDoc | SpanDoc;

export interface ItemRejection {
  index: number;
  id: string | undefined;
  kind: IngestItem['kind'] | undefined;
  /** `invalid` only where the caller asked for items to be rejected one by one (OTLP) instead of the whole batch. */
  reason: 'too_old' | 'in_future' | 'invalid';
  /** For `invalid`: the field and what is wrong with it. */
  detail?: string;
}

export interface ParsedItems {
  /** Valid items with their index in the request. */
  entries: Array<{ index: number; item: IngestItem }>;
  /** Every violation, named `items.<index>.<path>` (at most 20). */
  issues: FieldIssue[];
  /** Indexes of the invalid items, with the first violation of each. */
  invalid: Array<{ index: number; kind: IngestItem['kind'] | undefined; id: string | undefined; message: string }>;
}

const knownKinds: ReadonlySet<unknown> = new Set<IngestItem['kind']>(['log', 'span', 'breadcrumb', 'network']);

/** Notes one violation of the item at `index` (the item's first one also marks it invalid). */
function noteInvalid(result: ParsedItems, index: number, candidate: unknown, field: string, message: string): void {
  result.issues.push({ field, message });
  if (result.invalid.some((entry) => entry.index === index)) return;
  const rawId = (candidate as { id?: unknown; spanId?: unknown } | undefined)?.id ?? (candidate as { spanId?: unknown } | undefined)?.spanId;
  const kind = (candidate as { kind?: unknown } | undefined)?.kind;
  result.invalid.push({
    index,
    kind: knownKinds.has(kind) ? (kind as IngestItem['kind']) : undefined,
    id: typeof rawId === 'string' ? rawId.slice(0, 64) : undefined,
    message: `${field}: ${message}`,
  });
}

/**
 * An item already in the form zod returns is taken as it is, with nothing copied (most of what devices send); any
 * other goes through zod, which words every error.
 */
const exactItem = exactCheck(ingestItemSchema);

/** Parses every item; any shape or limit violation names its field as `items.<index>.<path>`. */
export function parseItems(items: unknown[], forcedKind?: IngestItem['kind']): ParsedItems {
  const result: ParsedItems = { entries: [], issues: [], invalid: [] };
  const exact = exactItem?.usable() ? exactItem : undefined;
  // A plain loop with the bookkeeping of invalid items kept out of it: a valid item allocates only its entry.
  for (let index = 0; index < items.length; index++) {
    if (!(index in items)) continue;
    const raw = items[index];
    const candidate = forcedKind && raw && typeof raw === 'object' && !Array.isArray(raw) ? { kind: forcedKind, ...(raw as object) } : raw;
    if (forcedKind && (candidate as { kind?: unknown })?.kind !== forcedKind) {
      noteInvalid(result, index, candidate, `items.${index}.kind`, `only ${forcedKind} items are accepted here`);
      continue;
    }
    let item = exact?.exact(candidate);
    if (item === undefined) {
      const parsed = compiledIngestItemSchema.safeParse(candidate);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) noteInvalid(result, index, candidate, ['items', index, ...issue.path.map(String)].join('.'), issue.message);
        continue;
      }
      item = parsed.data;
    }
    if (item.kind === 'span' && timeInMs(item.endTime) < timeInMs(item.startTime)) {
      noteInvalid(result, index, candidate, `items.${index}.endTime`, 'before startTime');
      continue;
    }
    result.entries.push({ index, item });
  }
  if (result.issues.length > MAX_ISSUES) result.issues = result.issues.slice(0, MAX_ISSUES);
  return result;
}

export function itemTime(item: IngestItem): string {
  return item.kind === 'span' ? item.startTime : item.timestamp;
}

export function itemIdOf(item: IngestItem): string {
  return item.kind === 'span' ? (item.id ?? item.spanId) : item.id;
}

/** `${kind}:${item id}`: a retried item lands on the same document. */
export function documentIdOf(item: IngestItem): string {
  return `${item.kind}:${itemIdOf(item)}`;
}

export function timeWindowRejection(item: IngestItem, now: Date): 'too_old' | 'in_future' | undefined {
  const time = timeInMs(itemTime(item));
  if (time < now.getTime() - MAX_ITEM_AGE_IN_MS) return 'too_old';
  const latest = item.kind === 'span' ? Math.max(time, timeInMs(item.endTime)) : time;
  if (latest > now.getTime() + MAX_ITEM_AHEAD_IN_MS) return 'in_future';
  return undefined;
}

const digitAt = (text: string, at: number): number => text.charCodeAt(at) - 48;
const twoDigits = (text: string, at: number): number => {
  const tens = digitAt(text, at);
  const units = digitAt(text, at + 1);
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
};

/**
 * The milliseconds of a time in the form `toISOString` writes (`2026-03-01T11:59:58.123Z`), read digit by digit,
 * or NaN for any other form, which is left to Date.parse; years before 0100 are left to it too. The answer is
 * Date.parse's (test/domain/telemetry-ingest.test.ts), at a fraction of its cost.
 */
function canonicalUtcInMs(text: string): number {
  if (text.length !== 24 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return Number.NaN;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return Number.NaN;
  const century = twoDigits(text, 0);
  const year = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const tensOfMilliseconds = twoDigits(text, 20);
  const lastDigit = digitAt(text, 22);
  if (
    century < 1 ||
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return Number.NaN;
  if (tensOfMilliseconds < 0 || lastDigit < 0 || lastDigit > 9) return Number.NaN;
  const days = daysFromCivil(century * 100 + year, month) + day - 1;
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + tensOfMilliseconds * 10 + lastDigit;
}

/**
 * Days from 1970-01-01 to the first of a month (proleptic Gregorian, years from 0100), in integer arithmetic: the
 * civil-from-days algorithm run backwards (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). A day of the
 * month is added to it, so one past the month's end rolls over as ECMAScript's MakeDay does.
 */
function daysFromCivil(year: number, month: number): number {
  const marchBased = month > 2 ? year : year - 1;
  const era = Math.floor(marchBased / 400);
  const yearOfEra = marchBased - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Date.parse, with the canonical form read directly. */
export function timeInMs(isoTime: string): number {
  const canonical = canonicalUtcInMs(isoTime);
  return Number.isNaN(canonical) ? Date.parse(isoTime) : canonical;
}

/** What `toISOString` writes; a validated time already in this form is returned as it is. */
const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Items' times were validated (real dates, hours 00-23), so one in canonical form is what re-formatting would
 * give back; only other forms (offsets, other fractions of a second) are parsed and written again.
 */
function utc(isoTime: string): string {
  return CANONICAL_UTC.test(isoTime) ? isoTime : new Date(isoTime).toISOString();
}

/** An item's remarks and the device's, each field and rule named once. */
function mergeRedactions(item: Redaction, device: Redaction): { fieldsRedacted: string[]; patternsMatched: string[]; count: number } {
  // The usual case, a device with nothing masked and at most one remark of each kind: no sets to build.
  if (device.fieldsRedacted.length === 0 && device.patternsMatched.length === 0 && item.fieldsRedacted.length <= 1 && item.patternsMatched.length <= 1) {
    return { fieldsRedacted: [...item.fieldsRedacted], patternsMatched: [...item.patternsMatched], count: item.count + device.count };
  }
  return {
    fieldsRedacted: [...new Set([...item.fieldsRedacted, ...device.fieldsRedacted])],
    patternsMatched: [...new Set([...item.patternsMatched, ...device.patternsMatched])],
    count: item.count + device.count,
  };
}

export interface DocumentContext {
  productId: string;
  sessionId: string;
  receivedAt: string;
  /** Already masked, once per batch. */
  device: StoredDevice;
  deviceRedaction: Redaction;
}

/** Masks the device context once per batch; its remarks are added to each document's. */
export function maskDevice(device: StoredDevice, engine: MaskingEngine): { device: StoredDevice; redaction: Redaction } {
  const { browser, os, region, ...content } = device;
  const masked = engine.maskValue(content, 'device');
  return { device: { ...masked.value, ...(browser ? { browser } : {}), ...(os ? { os } : {}), ...(region ? { region } : {}) }, redaction: masked.redaction };
}

type Fields = Record<string, unknown>;

/** The fields of each kind that are structure (ids, times, levels, numbers): kept as they are, never masked. */
const structuralFields = {
  log: new Set(['kind', 'id', 'timestamp', 'level', 'traceId', 'spanId']),
  breadcrumb: new Set(['kind', 'id', 'timestamp', 'level']),
  network: new Set(['kind', 'id', 'timestamp', 'method', 'status', 'durationMs', 'requestSize', 'responseSize', 'traceId', 'spanId']),
  span: new Set(['kind', 'id', 'traceId', 'spanId', 'parentSpanId', 'spanKind', 'startTime', 'endTime']),
} as const;

/**
 * The item's other fields in its key order, which masking gets: what an object rest (`{ kind, id, ...content }`)
 * gives, copied by hand because V8 runs object rest through a slow runtime path (about twice this loop's cost).
 */
function contentOf(item: IngestItem): Fields {
  const structural = structuralFields[item.kind];
  const content: Fields = {};
  for (const key in item) {
    if (!structural.has(key) && Object.hasOwn(item, key)) content[key] = (item as Fields)[key];
  }
  return content;
}

/**
 * Completes a document begun with the fields every document starts with and the kind's own: the masked content's
 * keys in their order, then the remarks, as `Object.assign(document, masked, { redaction })` would. Each kind's
 * document is begun as one object literal and grown in the same order every time, so V8 keeps one shape per kind.
 * An engine that can write masked fields straight into the document does so: no content copy, no masked copy.
 */
function completed(document: Fields, item: IngestItem, context: DocumentContext, engine: MaskingEngine): StoredDoc {
  let redaction: Redaction;
  if (item.kind !== 'network' && engine.maskFieldsInto) {
    redaction = engine.maskFieldsInto(document, item as unknown as Fields, structuralFields[item.kind]);
  } else {
    const content = contentOf(item);
    // A captured body is parsed by its content type and masked by field name before the text rules (issue 18).
    const masked = item.kind === 'network' ? (maskNetworkContent(content as NetworkContent, engine) as ValueMaskResult<Fields>) : engine.maskValue(content);
    const maskedContent = masked.value;
    for (const key in maskedContent) {
      if (Object.hasOwn(maskedContent, key)) document[key] = maskedContent[key];
    }
    redaction = masked.redaction;
  }
  // The remarks masking returned are this document's alone: with nothing masked in the device they are the merge.
  const device = context.deviceRedaction;
  document.redaction =
    device.count === 0 && device.fieldsRedacted.length === 0 && device.patternsMatched.length === 0 ? redaction : mergeRedactions(redaction, device);
  // The fields are those of LogDoc or SpanDoc by construction (test/domain/ingest-documents.test.ts, byte for byte).
  return document as unknown as StoredDoc;
}

/**
 * Masks everything a person could have typed or a program could have logged: identifiers, times,
 * levels, ids and numbers are structure and pass unchanged, every other field goes through the engine.
 * A document: the fields every document starts with, then the kind's own, the masked content's keys in their
 * order, and the remarks. Objects in the item with nothing masked inside may be the document's own: the item is
 * not to be changed or reused once its document is made.
 */
/** The partition key of the last session documents were made for: a batch's documents share one. */
let lastPartition = { productId: '', sessionId: '', pk: sessionPartitionKey('', '') };

function partitionKeyOf(context: DocumentContext): string {
  if (context.productId !== lastPartition.productId || context.sessionId !== lastPartition.sessionId) {
    lastPartition = { productId: context.productId, sessionId: context.sessionId, pk: sessionPartitionKey(context.productId, context.sessionId) };
  }
  return lastPartition.pk;
}

export function toDocument(item: IngestItem, context: DocumentContext, engine: MaskingEngine): StoredDoc {
  const pk = partitionKeyOf(context);
  switch (item.kind) {
    case 'log':
      return completed(
        {
          id: `log:${item.id}`,
          pk,
          productId: context.productId,
          sessionId: context.sessionId,
          itemId: item.id,
          receivedAt: context.receivedAt,
          device: context.device,
          docType: 'log',
          timestamp: utc(item.timestamp),
          level: item.level,
          traceId: item.traceId,
          spanId: item.spanId,
        },
        item,
        context,
        engine,
      );
    case 'breadcrumb':
      return completed(
        {
          id: `breadcrumb:${item.id}`,
          pk,
          productId: context.productId,
          sessionId: context.sessionId,
          itemId: item.id,
          receivedAt: context.receivedAt,
          device: context.device,
          docType: 'breadcrumb',
          timestamp: utc(item.timestamp),
          level: item.level,
        },
        item,
        context,
        engine,
      );
    case 'network':
      return completed(
        {
          id: `network:${item.id}`,
          pk,
          productId: context.productId,
          sessionId: context.sessionId,
          itemId: item.id,
          receivedAt: context.receivedAt,
          device: context.device,
          docType: 'network',
          timestamp: utc(item.timestamp),
          method: item.method,
          status: item.status,
          durationMs: item.durationMs,
          requestSize: item.requestSize,
          responseSize: item.responseSize,
          traceId: item.traceId,
          spanId: item.spanId,
        },
        item,
        context,
        engine,
      );
    case 'span': {
      const itemId = item.id ?? item.spanId;
      return completed(
        {
          id: `span:${itemId}`,
          pk,
          productId: context.productId,
          sessionId: context.sessionId,
          itemId,
          receivedAt: context.receivedAt,
          device: context.device,
          docType: 'span',
          traceId: item.traceId,
          spanId: item.spanId,
          parentSpanId: item.parentSpanId,
          spanKind: item.spanKind,
          startTime: utc(item.startTime),
          endTime: utc(item.endTime),
          durationMs: Math.max(0, timeInMs(item.endTime) - timeInMs(item.startTime)),
        },
        item,
        context,
        engine,
      );
    }
  }
}

type NetworkContent = Omit<
  Extract<IngestItem, { kind: 'network' }>,
  'kind' | 'id' | 'timestamp' | 'method' | 'status' | 'durationMs' | 'requestSize' | 'responseSize' | 'traceId' | 'spanId'
>;

/** A network capture: headers and URL as values, each body read as its own `content-type` says (JSON, form) first. */
function maskNetworkContent(content: NetworkContent, engine: MaskingEngine): ValueMaskResult<NetworkContent> {
  const { requestBody, responseBody, ...rest } = content;
  if (requestBody === undefined && responseBody === undefined) return engine.maskValue(content);
  const masked = engine.maskValue(rest);
  let redaction = masked.redaction;
  const bodies: Partial<Record<'requestBody' | 'responseBody', string>> = {};
  for (const [field, body, headers] of [
    ['requestBody', requestBody, content.requestHeaders],
    ['responseBody', responseBody, content.responseHeaders],
  ] as const) {
    if (body === undefined) continue;
    const result = maskCapturedBody(engine, body, headerValue(headers, 'content-type'), field);
    bodies[field] = result.value;
    if (result.redaction.count !== 0) redaction = mergeRedactions(redaction, result.redaction);
  }
  // The captured item's key order, as the document keeps it.
  const value = {} as NetworkContent;
  for (const key of Object.keys(content) as Array<keyof NetworkContent>) {
    (value as Record<string, unknown>)[key] = key === 'requestBody' || key === 'responseBody' ? bodies[key] : masked.value[key as keyof typeof masked.value];
  }
  return { value, redaction };
}

export function isErrorDoc(doc: StoredDoc): boolean {
  if (doc.docType === 'log') return doc.level === 'error' || doc.level === 'fatal';
  if (doc.docType === 'span') return doc.status.code === 'error';
  return false;
}

/** What the newly created documents add to the session's counters (spans count as `traceCount`). */
export function statsDelta(created: StoredDoc[]): Partial<SessionStats> {
  const delta = { logCount: 0, traceCount: 0, breadcrumbCount: 0, networkCount: 0, errorCount: 0 };
  for (const doc of created) {
    if (doc.docType === 'log') delta.logCount++;
    else if (doc.docType === 'span') delta.traceCount++;
    else if (doc.docType === 'breadcrumb') delta.breadcrumbCount++;
    else delta.networkCount++;
    if (isErrorDoc(doc)) delta.errorCount++;
  }
  return delta;
}
