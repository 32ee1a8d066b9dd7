// Field-level access by role: which roles see which field paths of each kind of record, as validated data, and
// the one pure function every read path applies to what it answers. A withheld field keeps its key and gets a
// marker saying why (`{"withheld": "requires Diagnostics.Sensitive"}`), so a reader knows something is there.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { APP_ROLE_NAMES, roles, type Role } from './principal';

/** Every kind of record a read path answers with; the policy must name each one, even with no rules. */
export const recordKinds = ['log', 'breadcrumb', 'network', 'span', 'screenshot', 'report'] as const;
export type RecordKind = (typeof recordKinds)[number];

/**
 * A path into a record: segments separated by `/`, JSON-Pointer escapes (`~1` is `/`, `~0` is `~`), and `*` in a
 * segment matching any characters of an object key or any element of an array (`events/*` + `/attributes/exception.stacktrace`).
 */
const fieldPathSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^/]+(\/[^/]+)*$/, 'segments separated by single slashes, none empty')
  .refine((path) => !/~[^01]|~$/.test(path), 'a ~ must be ~0 or ~1');

const fieldRuleSchema = z
  .object({
    path: fieldPathSchema,
    /** Holders of any of these roles see the field; everyone else who may read the record gets the marker. */
    visibleTo: z.array(z.enum(roles)).min(1),
    /** Why the field is restricted (documentation only; never shown). */
    why: z.string().max(500).optional(),
  })
  .strict();

export const fieldPolicySchema = z
  .object({
    version: z.literal(1),
    kinds: z
      .object(Object.fromEntries(recordKinds.map((kind) => [kind, z.array(fieldRuleSchema).max(64)])) as Record<RecordKind, z.ZodArray<typeof fieldRuleSchema>>)
      .strict(),
  })
  .strict()
  .superRefine((policy, context) => {
    for (const kind of recordKinds) {
      const seen = new Set<string>();
      policy.kinds[kind].forEach((rule, index) => {
        if (seen.has(rule.path)) context.addIssue({ code: 'custom', path: ['kinds', kind, index, 'path'], message: `duplicate path ${rule.path}` });
        seen.add(rule.path);
      });
    }
  });
export type FieldPolicyDocument = z.infer<typeof fieldPolicySchema>;

/** The marker a withheld field is replaced by. */
export interface WithheldMarker {
  withheld: string;
}

export function isWithheld(value: unknown): value is WithheldMarker {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { withheld?: unknown }).withheld === 'string'
  );
}

interface CompiledRule {
  /** `kind.path`, as the audit trail and the docs name it. */
  name: string;
  segments: Array<string | RegExp>;
  visibleTo: ReadonlySet<Role>;
  marker: WithheldMarker;
}

export interface FieldPolicy {
  readonly document: FieldPolicyDocument;
  readonly rules: Readonly<Record<RecordKind, readonly CompiledRule[]>>;
}

function compileSegment(segment: string): string | RegExp {
  const plain = segment.replace(/~1/g, '/').replace(/~0/g, '~');
  if (!plain.includes('*')) return plain;
  return new RegExp(
    `^${plain
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
}

export function compileFieldPolicy(document: FieldPolicyDocument): FieldPolicy {
  const rules = Object.fromEntries(
    recordKinds.map((kind) => [
      kind,
      document.kinds[kind].map((rule): CompiledRule => ({
        name: `${kind}.${rule.path}`,
        segments: rule.path.split('/').map(compileSegment),
        visibleTo: new Set(rule.visibleTo),
        marker: Object.freeze({ withheld: `requires ${rule.visibleTo.map((role) => APP_ROLE_NAMES[role]).join(' or ')}` }),
      })),
    ]),
  ) as Record<RecordKind, CompiledRule[]>;
  return Object.freeze({ document, rules });
}

/** Parses and compiles a policy file's text; a bad policy throws, naming each offending path (a start-up error). */
export function parseFieldPolicy(source: string, origin = 'field access policy'): FieldPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (error) {
    throw new Error(`Invalid ${origin}: not YAML (${error instanceof Error ? error.message : 'parse error'})`, { cause: error });
  }
  const result = fieldPolicySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid ${origin}: ${issues.join('; ')}`);
  }
  return compileFieldPolicy(result.data);
}

function matchingKeys(container: unknown, segment: string | RegExp): Array<string | number> {
  if (Array.isArray(container)) {
    if (segment instanceof RegExp) return segment.source === '^.*$' ? container.map((_, index) => index) : [];
    const index = Number(segment);
    return Number.isInteger(index) && index >= 0 && index < container.length ? [index] : [];
  }
  if (typeof container !== 'object' || container === null) return [];
  const keys = Object.keys(container);
  return segment instanceof RegExp ? keys.filter((key) => segment.test(key)) : Object.hasOwn(container, segment) ? [segment] : [];
}

/**
 * Replaces what `segments` reach below `value` with `replace(...)`, copying only along the way (the input is never
 * changed), and reports whether anything was there. `undefined` values count as absent.
 */
function rewriteAt(
  value: unknown,
  segments: ReadonlyArray<string | RegExp>,
  depth: number,
  replace: ((found: unknown) => unknown) | undefined,
): { value: unknown; found: boolean } {
  const segment = segments[depth]!;
  const keys = matchingKeys(value, segment);
  let copy: unknown = value;
  let found = false;
  for (const key of keys) {
    const child = (value as Record<string | number, unknown>)[key];
    if (child === undefined) continue;
    let next: unknown;
    if (depth === segments.length - 1) {
      found = true;
      if (!replace) continue;
      next = replace(child);
    } else {
      const inner = rewriteAt(child, segments, depth + 1, replace);
      if (!inner.found) continue;
      found = true;
      if (!replace) continue;
      next = inner.value;
    }
    if (copy === value) copy = Array.isArray(value) ? [...value] : { ...(value as object) };
    (copy as Record<string | number, unknown>)[key] = next;
  }
  return { value: copy, found };
}

export interface FieldAccessOutcome<T> {
  value: T;
  /** Restricted fields present and shown (`kind.path`): these reads are audited as sensitive. */
  revealed: string[];
  /** Restricted fields present and replaced by the marker. */
  withheld: string[];
}

/**
 * The policy applied to one record for a holder of `held` roles. Fields the roles may not see are replaced by the
 * rule's marker; everything else is returned as it was (the same object when nothing is withheld).
 */
export function applyFieldPolicy<T>(policy: FieldPolicy, held: ReadonlySet<Role>, kind: RecordKind, record: T): FieldAccessOutcome<T> {
  let value: unknown = record;
  const revealed: string[] = [];
  const withheld: string[] = [];
  for (const rule of policy.rules[kind]) {
    const visible = [...rule.visibleTo].some((role) => held.has(role));
    const result = rewriteAt(value, rule.segments, 0, visible ? undefined : () => rule.marker);
    if (!result.found) continue;
    if (visible) revealed.push(rule.name);
    else {
      withheld.push(rule.name);
      value = result.value;
    }
  }
  return { value: value as T, revealed, withheld };
}

/** Whether `held` roles would have anything of `kinds` withheld: when not, reads may skip the walk entirely. */
export function withholdsAnything(policy: FieldPolicy, held: ReadonlySet<Role>, kinds: readonly RecordKind[]): boolean {
  return kinds.some((kind) => policy.rules[kind].some((rule) => ![...rule.visibleTo].some((role) => held.has(role))));
}

/** The restricted fields of `kinds` that `held` roles may see (what a stream that cannot know its items in advance audits). */
export function revealableFields(policy: FieldPolicy, held: ReadonlySet<Role>, kinds: readonly RecordKind[]): string[] {
  return kinds.flatMap((kind) => policy.rules[kind].filter((rule) => [...rule.visibleTo].some((role) => held.has(role))).map((rule) => rule.name));
}

/** The restricted fields of `kinds` that `held` roles may not see: what a view of them leaves out. */
export function withheldFields(policy: FieldPolicy, held: ReadonlySet<Role>, kinds: readonly RecordKind[]): string[] {
  return kinds.flatMap((kind) => policy.rules[kind].filter((rule) => ![...rule.visibleTo].some((role) => held.has(role))).map((rule) => rule.name));
}

/** What one request read of restricted fields, summed over its records: one audit record's worth. */
export interface FieldAccessSummary {
  /** Restricted fields were shown: the read is audited as sensitive. */
  sensitive: boolean;
  fieldsRead: string[];
  fieldsWithheld: string[];
}

/**
 * One request's view: applies the policy to each record it answers with and remembers what was shown or withheld,
 * so the request writes one audit record, not one per item.
 */
export class FieldAccessView {
  private readonly read = new Set<string>();
  private readonly withheld = new Set<string>();

  constructor(
    private readonly policy: FieldPolicy,
    readonly roles: ReadonlySet<Role>,
  ) {}

  apply<T>(kind: RecordKind, record: T): T {
    const outcome = applyFieldPolicy(this.policy, this.roles, kind, record);
    for (const name of outcome.revealed) this.read.add(name);
    for (const name of outcome.withheld) this.withheld.add(name);
    return outcome.value;
  }

  /** Whether anything of `kinds` is withheld from this view. */
  withholds(kinds: readonly RecordKind[]): boolean {
    return withholdsAnything(this.policy, this.roles, kinds);
  }

  revealable(kinds: readonly RecordKind[]): string[] {
    return revealableFields(this.policy, this.roles, kinds);
  }

  /** The marker for the field at exactly `path` of `kind` when this view withholds it; undefined when shown. */
  markerFor(kind: RecordKind, path: string): WithheldMarker | undefined {
    const rule = this.policy.rules[kind].find((candidate) => candidate.name === `${kind}.${path}`);
    return rule && ![...rule.visibleTo].some((role) => this.roles.has(role)) ? rule.marker : undefined;
  }

  withheldRules(kinds: readonly RecordKind[]): string[] {
    return withheldFields(this.policy, this.roles, kinds);
  }

  summary(): FieldAccessSummary {
    return { sensitive: this.read.size > 0, fieldsRead: [...this.read].sort(), fieldsWithheld: [...this.withheld].sort() };
  }
}

/** The kind of a stored telemetry document, for the policy. */
export function kindOfDoc(doc: { docType: 'log' | 'breadcrumb' | 'network' | 'span' }): RecordKind {
  return doc.docType;
}
