// The pure half of ingest: item validation with per-field issues, the time window, masking each item
// into its stored document, and the session counters a set of newly created documents adds up to.
import type { FieldIssue } from '../../errors';
import type { MaskingEngine, Redaction, ValueMaskResult } from '../masking';
import { headerValue, maskCapturedBody } from '../masking/captured-body';
import type { SessionStats } from '../sessions/session';
import type { StoredDevice } from './enrichment';
import { ingestItemSchema, sessionPartitionKey, type IngestItem, type LogDoc, type SpanDoc } from './items';

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

/** Parses every item; any shape or limit violation names its field as `items.<index>.<path>`. */
export function parseItems(items: unknown[], forcedKind?: IngestItem['kind']): ParsedItems {
  const result: ParsedItems = { entries: [], issues: [], invalid: [] };
  items.forEach((raw, index) => {
    const candidate = forcedKind && raw && typeof raw === 'object' && !Array.isArray(raw) ? { kind: forcedKind, ...(raw as object) } : raw;
    const rawId = (candidate as { id?: unknown; spanId?: unknown } | undefined)?.id ?? (candidate as { spanId?: unknown } | undefined)?.spanId;
    const id = typeof rawId === 'string' ? rawId.slice(0, 64) : undefined;
    const invalid = (field: string, message: string) => {
      result.issues.push({ field, message });
      const kind = (candidate as { kind?: unknown } | undefined)?.kind;
      const knownKind = typeof kind === 'string' && ['log', 'span', 'breadcrumb', 'network'].includes(kind) ? (kind as IngestItem['kind']) : undefined;
      if (!result.invalid.some((entry) => entry.index === index)) result.invalid.push({ index, kind: knownKind, id, message: `${field}: ${message}` });
    };
    if (forcedKind && (candidate as { kind?: unknown })?.kind !== forcedKind) {
      invalid(`items.${index}.kind`, `only ${forcedKind} items are accepted here`);
      return;
    }
    const parsed = ingestItemSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) invalid(['items', index, ...issue.path.map(String)].join('.'), issue.message);
      return;
    }
    if (parsed.data.kind === 'span' && Date.parse(parsed.data.endTime) < Date.parse(parsed.data.startTime)) {
      invalid(`items.${index}.endTime`, 'before startTime');
      return;
    }
    result.entries.push({ index, item: parsed.data });
  });
  result.issues = result.issues.slice(0, MAX_ISSUES);
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
  const time = Date.parse(itemTime(item));
  if (time < now.getTime() - MAX_ITEM_AGE_IN_MS) return 'too_old';
  const latest = item.kind === 'span' ? Math.max(time, Date.parse(item.endTime)) : time;
  if (latest > now.getTime() + MAX_ITEM_AHEAD_IN_MS) return 'in_future';
  return undefined;
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

/**
 * A document: the fields every document starts with, then the kind's own, the masked content's keys in their
 * order, and the remarks. Assigned rather than spread: an object literal that begins by spreading another
 * object takes a slow path in V8 (about 9 µs a document, once most of the ingest's own CPU per batch).
 */
function documentOf<Own extends object, Content extends object>(item: IngestItem, context: DocumentContext, own: Own, masked: ValueMaskResult<Content>) {
  const stored = {
    id: documentIdOf(item),
    pk: sessionPartitionKey(context.productId, context.sessionId),
    productId: context.productId,
    sessionId: context.sessionId,
    itemId: itemIdOf(item),
    receivedAt: context.receivedAt,
    device: context.device,
  };
  return Object.assign(stored, own, masked.value, { redaction: mergeRedactions(masked.redaction, context.deviceRedaction) });
}

/**
 * Masks everything a person could have typed or a program could have logged: identifiers, times,
 * levels, ids and numbers are structure and pass unchanged, every other field goes through the engine.
 */
export function toDocument(item: IngestItem, context: DocumentContext, engine: MaskingEngine): StoredDoc {
  switch (item.kind) {
    case 'log': {
      const { kind: _kind, id: _id, timestamp, level, traceId, spanId, ...content } = item;
      return documentOf(item, context, { docType: 'log' as const, timestamp: utc(timestamp), level, traceId, spanId }, engine.maskValue(content));
    }
    case 'breadcrumb': {
      const { kind: _kind, id: _id, timestamp, level, ...content } = item;
      return documentOf(item, context, { docType: 'breadcrumb' as const, timestamp: utc(timestamp), level }, engine.maskValue(content));
    }
    case 'network': {
      const { kind: _kind, id: _id, timestamp, method, status, durationMs, requestSize, responseSize, traceId, spanId, ...content } = item;
      return documentOf(
        item,
        context,
        { docType: 'network' as const, timestamp: utc(timestamp), method, status, durationMs, requestSize, responseSize, traceId, spanId },
        maskNetworkContent(content, engine),
      );
    }
    case 'span': {
      const { kind: _kind, id: _id, traceId, spanId, parentSpanId, spanKind, startTime, endTime, ...content } = item;
      return documentOf(
        item,
        context,
        {
          docType: 'span' as const,
          traceId,
          spanId,
          parentSpanId,
          spanKind,
          startTime: utc(startTime),
          endTime: utc(endTime),
          durationMs: Math.max(0, Date.parse(endTime) - Date.parse(startTime)),
        },
        engine.maskValue(content),
      );
    }
  }
}

type NetworkContent = Omit<Extract<IngestItem, { kind: 'network' }>, 'kind' | 'id' | 'timestamp' | 'method' | 'status' | 'durationMs' | 'requestSize' | 'responseSize' | 'traceId' | 'spanId'>;

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
