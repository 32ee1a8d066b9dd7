// Storage of a product's pattern hooks; one product's hooks live in one partition.
import type { PatternHook } from '../domain/hooks/pattern-hook';

export interface VersionedHook {
  hook: PatternHook;
  etag: string;
}

export interface PatternHookStore {
  create(hook: PatternHook): Promise<VersionedHook>;
  get(productId: string, hookId: string): Promise<VersionedHook | undefined>;
  /** All hooks of a product (at most MAX_HOOKS_PER_PRODUCT are ever created). */
  list(productId: string): Promise<PatternHook[]>;
  /** Throws precondition_failed when it changed since `etag`. */
  replace(hook: PatternHook, etag: string): Promise<VersionedHook>;
  /** Idempotent: false when there was nothing to delete. */
  delete(productId: string, hookId: string): Promise<boolean>;
}
