// What per-user erasure needs from storage: each store that can hold the subject's data answers what is left
// and erases it in small batches; the erasure records keep the progress; a finder resolves the subject's sessions.
import type { ErasureRecord, ErasureScopeKind, ErasureStoreName, ErasureSubject, SubjectHashes } from '../domain/privacy/erasure';

/** What one lookup covers: the subject (in clear, in memory only), its hashes, and one chunk of its sessions. */
export interface ErasureTarget {
  productId: string;
  subject: ErasureSubject;
  hashes: SubjectHashes;
  /** Up to SESSIONS_PER_CHUNK session ids (empty for stores looked up by the subject). */
  sessionIds: readonly string[];
  range: { from?: string; to?: string };
}

/** One thing to erase: an opaque reference the same store understands, and how many items it stands for. */
export interface ErasableRef {
  ref: string;
  /** 1, or the items of a whole partition deleted at once where the account can do that. */
  count: number;
}

export interface ErasableStore {
  readonly name: ErasureStoreName;
  readonly scope: ErasureScopeKind;
  /** How many of the target's items are still there. */
  count(target: ErasureTarget): Promise<number>;
  /** Up to `maxItems` references of what is still there (nothing once the target is clean). */
  list(target: ErasureTarget, maxItems: number): Promise<ErasableRef[]>;
  /** Deletes (audit: rewrites to the hashed subject) what the references name. Idempotent: gone is done. */
  erase(target: ErasureTarget, refs: readonly ErasableRef[]): Promise<void>;
}

export interface SessionOfSubject {
  sessionId: string;
  createdAt: string;
}

export interface SubjectSessionFinder {
  /**
   * Sessions of the product that targeted the subject, observed it (the per-user index) or hold telemetry its device
   * or anonymous id sent, created in [from, to) and before `createdBefore`; at most `maxSessions` + 1.
   */
  find(
    productId: string,
    subject: ErasureSubject,
    window: { from?: string; to?: string; createdBefore: string },
    maxSessions: number,
  ): Promise<SessionOfSubject[]>;
}

export interface VersionedErasure {
  erasure: ErasureRecord;
  etag: string;
}

export interface ErasureRecordStore {
  /** Fails with `conflict` if the id exists. */
  create(record: ErasureRecord): Promise<VersionedErasure>;
  get(id: string): Promise<VersionedErasure | undefined>;
  /** Replaces only if the stored etag still equals `ifMatch`; otherwise `precondition_failed`. */
  replace(record: ErasureRecord, ifMatch: string): Promise<VersionedErasure>;
  /** Unfinished erasures last written before `updatedBefore`: the ones whose worker stopped. */
  listStalled(updatedBefore: string, maxItems: number): Promise<ErasureRecord[]>;
}
