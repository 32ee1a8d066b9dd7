// Who is calling and what they may touch: roles per product, nothing crosses products.
import { AppError } from '../../errors';
import type { DebugSession } from '../sessions/session';

/**
 * admin: reads and writes; engineer: reads and builds reports; viewer: reads only. `sensitive` (the app role
 * Diagnostics.Sensitive) is combined with one of those: it unlocks the fields the field policy restricts
 * (shared/domain/access/field-policy.ts) and grants no access on its own.
 */
export const roles = ['admin', 'engineer', 'viewer', 'sensitive'] as const;
export type Role = (typeof roles)[number];

/** The app role each role is granted as (Entra ID app roles); markers and docs name roles this way. */
export const APP_ROLE_NAMES: Readonly<Record<Role, string>> = {
  admin: 'Diagnostics.Admin',
  engineer: 'Diagnostics.Engineer',
  viewer: 'Diagnostics.Viewer',
  sensitive: 'Diagnostics.Sensitive',
};

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

function holdsReaderRole(principal: Principal): boolean {
  return principal.roles.has('admin') || principal.roles.has('engineer') || principal.roles.has('viewer');
}

/** Viewers and engineers read (fields the policy restricts withheld unless they also hold `sensitive`); admins read and write. */
export function isReaderOf(principal: Principal, productId: string): boolean {
  return holdsReaderRole(principal) && hasProduct(principal, productId);
}

/** Engineers and admins: reads with side effects beyond the audit trail (building a report opens an alert). */
export function isEngineerOf(principal: Principal, productId: string): boolean {
  return (principal.roles.has('admin') || principal.roles.has('engineer')) && hasProduct(principal, productId);
}

export function requireAdmin(principal: Principal, productId: string): void {
  if (!isAdminOf(principal, productId)) {
    throw new AppError('forbidden', `Admin role for product ${productId} required`);
  }
}

export function requireReader(principal: Principal, productId: string): void {
  if (!isReaderOf(principal, productId)) {
    throw new AppError('forbidden', `Viewer, engineer or admin role for product ${productId} required`);
  }
}

export function requireEngineer(principal: Principal, productId: string): void {
  if (!isEngineerOf(principal, productId)) {
    throw new AppError('forbidden', `Engineer or admin role for product ${productId} required`);
  }
}

export function canViewSession(principal: Principal, session: DebugSession): boolean {
  return isReaderOf(principal, session.productId) || (session.targetUserId !== undefined && session.targetUserId === principal.subject);
}

/** Products the caller may list sessions of. */
export function readableProducts(principal: Principal): string[] {
  if (!holdsReaderRole(principal)) return [];
  return [...principal.products];
}
