// Who looked at whose data: reads of a session's logs, spans, timeline and reports go on the audit trail, and
// admins of a product query that trail. A read's audit record is written before the answer, alongside the read
// itself (so it adds the slower of two storage calls, not their sum), and a failed audit write fails the read
// with 503: a read that could not be recorded is not served. Repeated page reads of one kind by one reader in
// one minute share a record (a deterministic id, upserted), so paging through a session writes one record a minute.
// Reads of fields the field policy restricts are marked on that same record (`sensitive: true` and `fieldsRead`),
// never a second mechanism: such a read writes its record once it knows what it showed, before answering.
import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { requireAdmin, type Principal } from '../domain/access/principal';
import { FieldAccessView, type FieldAccessSummary, type FieldPolicy, type RecordKind } from '../domain/access/field-policy';
import type { DebugSession } from '../domain/sessions/session';
import type { AuditLog, AuditQuery, AuditRecord } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { SessionStore } from '../ports/session-store';
import { targetOf } from './session-service';

export interface ReadAuditDependencies {
  audit: AuditLog;
  clock: Clock;
}

export type ReadAction =
  | 'logs.read'
  | 'spans.read'
  | 'trace.read'
  | 'timeline.read'
  | 'report.read'
  | 'user_timeline.read'
  | 'tail.read'
  | 'screenshots.read'
  | 'screenshots.archive_read';

/** What the audit record says of restricted fields: only names of fields, never their values. */
export function accessDetails(access: FieldAccessSummary | undefined): Record<string, unknown> {
  if (!access) return {};
  return {
    sensitive: access.sensitive,
    ...(access.fieldsRead.length ? { fieldsRead: access.fieldsRead } : {}),
    ...(access.fieldsWithheld.length ? { fieldsWithheld: access.fieldsWithheld } : {}),
  };
}

/** A session named on the audit trail without reading it again (a user's timeline names its sessions by id). */
export interface AuditedSessionRef {
  id: string;
  productId: string;
  target: Record<string, string>;
}

export function readAuditRecord(
  deps: ReadAuditDependencies,
  principal: Principal,
  session: DebugSession | AuditedSessionRef,
  action: ReadAction,
  details: Record<string, unknown>,
  correlationId?: string,
  access?: FieldAccessSummary,
): AuditRecord {
  const now = deps.clock.now();
  const minute = now.toISOString().slice(0, 16);
  // A sensitive read gets a record of its own (per set of fields), so a plain page read in the same minute cannot overwrite it.
  const marker = access?.sensitive ? access.fieldsRead : [];
  const id = createHash('sha256')
    .update(JSON.stringify([principal.subject, session.id, action, minute, ...marker]))
    .digest('hex')
    .slice(0, 32);
  return {
    id: `au_read_${id}`,
    productId: session.productId,
    at: now.toISOString(),
    actor: { kind: 'user', id: principal.subject },
    action,
    sessionId: session.id,
    target: 'schemaVersion' in session ? targetOf(session) : session.target,
    details: { ...details, ...accessDetails(access) },
    correlationId,
  };
}

export interface FieldReadDependencies extends ReadAuditDependencies {
  fieldPolicy: FieldPolicy;
}

/**
 * A read answered through the field policy, with its one audit record. When the reader's roles can reveal none of
 * the restricted fields of `kinds`, the record is known up front and written alongside the read; otherwise it is
 * written after the read, naming the restricted fields actually shown, and before the answer leaves.
 */
export async function auditedFieldRead<T, U>(
  deps: FieldReadDependencies,
  principal: Principal,
  session: DebugSession,
  audit: { action: ReadAction; details: Record<string, unknown>; correlationId?: string; kinds: readonly RecordKind[] },
  read: () => Promise<T>,
  present: (value: T, view: FieldAccessView) => U,
): Promise<U> {
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  if (view.revealable(audit.kinds).length === 0) {
    const value = await auditedRead(
      deps,
      readAuditRecord(deps, principal, session, audit.action, audit.details, audit.correlationId, {
        sensitive: false,
        fieldsRead: [],
        // Known before the read: what this view leaves out wherever it occurs.
        fieldsWithheld: view.withheldRules(audit.kinds),
      }),
      read,
    );
    return present(value, view);
  }
  const answer = present(await read(), view);
  await deps.audit.record(readAuditRecord(deps, principal, session, audit.action, audit.details, audit.correlationId, view.summary()));
  return answer;
}

/** Runs the read and writes its audit record together; either failing fails the call. */
export async function auditedRead<T>(deps: ReadAuditDependencies, record: AuditRecord, read: () => Promise<T>): Promise<T> {
  const [result] = await Promise.all([read(), deps.audit.record(record)]);
  return result;
}

export interface AuditQueryDependencies {
  audit: AuditLog;
  sessions: SessionStore;
}

export interface AuditListQuery {
  productId?: string;
  sessionId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  pageSize: number;
  continuationToken?: string;
}

/** An admin of the product reads its audit trail; a session id alone names the product through the session. */
export async function listAudit(
  deps: AuditQueryDependencies,
  principal: Principal,
  query: AuditListQuery,
): Promise<{ items: AuditRecord[]; continuationToken?: string }> {
  let productId = query.productId;
  if (query.sessionId) {
    const found = await deps.sessions.get(query.sessionId);
    // Records outlive their session (400 days against the session's TTL): a known product still answers.
    if (found && productId && found.session.productId !== productId) return { items: [] };
    productId ??= found?.session.productId;
  }
  if (!productId) {
    throw new AppError('invalid_input', 'Give productId (or the sessionId of an existing session)', { issues: [{ field: 'productId', message: 'required' }] });
  }
  requireAdmin(principal, productId);
  const filter: AuditQuery = {
    sessionId: query.sessionId,
    actor: query.actor,
    action: query.action,
    from: query.from && new Date(query.from).toISOString(),
    to: query.to && new Date(query.to).toISOString(),
  };
  return deps.audit.list(productId, filter, { maxItems: query.pageSize, continuationToken: query.continuationToken });
}
