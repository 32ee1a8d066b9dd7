// Who is calling and what they may touch: roles per product, nothing crosses products.
import { AppError } from '../../errors';
import type { DebugSession } from '../sessions/session';

export type Role = 'admin' | 'engineer';

export interface Principal {
  /** The token's `sub`: for a target user, the same id the session targets. */
  subject: string;
  roles: ReadonlySet<Role>;
  /** Products this caller may act on; an empty list means none. */
  products: ReadonlySet<string>;
}

function hasProduct(principal: Principal, productId: string): boolean {
  return principal.products.has(productId);
}

export function isAdminOf(principal: Principal, productId: string): boolean {
  return principal.roles.has('admin') && hasProduct(principal, productId);
}

/** Engineers read; admins read and write. */
export function isReaderOf(principal: Principal, productId: string): boolean {
  return (principal.roles.has('admin') || principal.roles.has('engineer')) && hasProduct(principal, productId);
}

export function requireAdmin(principal: Principal, productId: string): void {
  if (!isAdminOf(principal, productId)) {
    throw new AppError('forbidden', `Admin role for product ${productId} required`);
  }
}

export function requireReader(principal: Principal, productId: string): void {
  if (!isReaderOf(principal, productId)) {
    throw new AppError('forbidden', `Engineer or admin role for product ${productId} required`);
  }
}

export function canViewSession(principal: Principal, session: DebugSession): boolean {
  return isReaderOf(principal, session.productId) || (session.targetUserId !== undefined && session.targetUserId === principal.subject);
}

/** Products the caller may list sessions of. */
export function readableProducts(principal: Principal): string[] {
  if (!principal.roles.has('admin') && !principal.roles.has('engineer')) return [];
  return [...principal.products];
}
