// Pattern hooks: admins manage a product's rules (audited); ingest matches every stored, masked item against the
// product's rules, held per instance and refreshed every few seconds, and announces each match as
// `diagnostics.pattern.matched` through the outbox. Delivery (channels, signed webhook, throttle) is the
// notifications subscriber's.
import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { requireAdmin, type Principal } from '../domain/access/principal';
import {
  compileHook,
  compileHookRegex,
  hookTextOf,
  itemDeepLink,
  MAX_HOOKS_PER_PRODUCT,
  newHook,
  type CompiledHook,
  type CreateHookRequest,
  type PatternHook,
  type UpdateHookRequest,
} from '../domain/hooks/pattern-hook';
import type { TailDoc } from '../domain/telemetry/tail';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import { newEvent, stableEventId, type EventEnvelope } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { PatternHookStore, VersionedHook } from '../ports/pattern-hook-store';
import type { Telemetry } from '../ports/telemetry';

export const EXCERPT_LENGTH = 300;

/** A product's compiled hooks per instance: read at most once per `maxAgeInMs`, served from memory meanwhile. */
export class PatternHookCache {
  private readonly entries = new Map<string, { hooks: CompiledHook[]; loadedAt: number; refreshing?: Promise<CompiledHook[]> }>();

  constructor(
    private readonly load: (productId: string) => Promise<PatternHook[]>,
    private readonly clock: Clock,
    private readonly telemetry: Telemetry,
    private readonly maxAgeInMs: number,
  ) {}

  /**
   * The product's enabled hooks. A map look-up while the copy is fresh (the common case, and the whole cost for a
   * product without hooks); a stale copy is served while one refresh runs; only the first call per product waits.
   */
  forProduct(productId: string): CompiledHook[] | Promise<CompiledHook[]> {
    const entry = this.entries.get(productId);
    const now = this.clock.now().getTime();
    if (entry && now - entry.loadedAt < this.maxAgeInMs) return entry.hooks;
    if (entry) {
      entry.refreshing ??= this.refresh(productId).catch(() => entry.hooks);
      return entry.hooks;
    }
    return this.refresh(productId);
  }

  /** This instance's own writes count at once. */
  invalidate(productId: string): void {
    this.entries.delete(productId);
  }

  private async refresh(productId: string): Promise<CompiledHook[]> {
    const hooks = await this.load(productId);
    const compiled: CompiledHook[] = [];
    for (const hook of hooks) {
      if (!hook.enabled) continue;
      try {
        compiled.push(compileHook(hook));
      } catch {
        // Checked when written; a rule that no longer compiles is skipped, not fatal to ingest.
        this.telemetry.metric('hooks.invalid_total', 1, {});
      }
    }
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(productId, { hooks: compiled, loadedAt: this.clock.now().getTime() });
    return compiled;
  }
}

export interface PatternHookDependencies {
  hooks: PatternHookStore;
  cache: PatternHookCache;
  audit: AuditLog;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  publicBaseUrl: string;
  /** A webhook action is signed with WEBHOOK_SECRET; without it such hooks are refused. */
  webhookSigningConfigured: boolean;
  /** Local mode lets webhooks go to plain http (receivers on 127.0.0.1); Azure requires https. */
  allowPlainHttpWebhooks: boolean;
}

export interface HookCall {
  principal: Principal;
  correlationId: string;
}

function checkRule(deps: PatternHookDependencies, hook: Pick<PatternHook, 'action' | 'match'>): void {
  // A regex RE2 refuses answers 400 naming match.regex.
  if (hook.match.regex !== undefined) compileHookRegex(hook.match.regex);
  const url = hook.action.webhookUrl;
  if (url === undefined) return;
  const refuse = (message: string, detail: string) =>
    new AppError('invalid_input', `action.webhookUrl: ${detail}`, { issues: [{ field: 'action.webhookUrl', message }] });
  if (!deps.webhookSigningConfigured)
    throw refuse('WEBHOOK_SECRET not configured', 'webhooks are signed with WEBHOOK_SECRET, which is not configured; use notify');
  if (deps.allowPlainHttpWebhooks) return;
  if (!url.startsWith('https://')) throw refuse('https required', 'the address must use https');
  if (isInternalHost(new URL(url).hostname)) throw refuse('internal address', 'the address must be a public host, not a loopback, private or link-local one');
}

/** Loopback, private, link-local and metadata addresses written literally (names are resolved by the channel's fetch). */
function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) return true;
  const ipv4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (ipv4) {
    const [first, second] = [Number(ipv4[1]), Number(ipv4[2])];
    return (
      first === 0 ||
      first === 10 ||
      first === 127 ||
      (first === 169 && second === 254) ||
      (first === 172 && second >= 16 && second <= 31) ||
      (first === 192 && second === 168) ||
      (first === 100 && second >= 64 && second <= 127)
    );
  }
  return host.includes(':') && (host === '::' || host === '::1' || /^f[cd]/.test(host) || host.startsWith('fe80') || host.startsWith('::ffff:'));
}

async function audit(deps: PatternHookDependencies, call: HookCall, hook: PatternHook, action: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.audit.record({
    id: `au_${createHash('sha256').update(`${hook.id}\n${action}\n${at}\n${call.correlationId}`).digest('hex').slice(0, 32)}`,
    productId: hook.productId,
    at,
    actor: { kind: 'user', id: call.principal.subject },
    action,
    target: { hookId: hook.id },
    // The rule itself is configuration, not customer content.
    details: { name: hook.name, match: hook.match, action: hook.action, throttle: hook.throttle, enabled: hook.enabled },
    correlationId: call.correlationId,
  });
}

export async function createHook(deps: PatternHookDependencies, call: HookCall, productId: string, input: CreateHookRequest): Promise<VersionedHook> {
  requireAdmin(call.principal, productId);
  checkRule(deps, input);
  const existing = await deps.hooks.list(productId);
  if (existing.length >= MAX_HOOKS_PER_PRODUCT) throw new AppError('conflict', `A product may have at most ${MAX_HOOKS_PER_PRODUCT} hooks; delete one first`);
  const stored = await deps.hooks.create(newHook(productId, input, call.principal.subject, deps.clock.now()));
  deps.cache.invalidate(productId);
  await audit(deps, call, stored.hook, 'hook.created');
  return stored;
}

export async function listHooks(deps: PatternHookDependencies, principal: Principal, productId: string): Promise<PatternHook[]> {
  requireAdmin(principal, productId);
  return deps.hooks.list(productId);
}

export async function getHook(deps: PatternHookDependencies, principal: Principal, productId: string, hookId: string): Promise<VersionedHook> {
  requireAdmin(principal, productId);
  const found = await deps.hooks.get(productId, hookId);
  if (!found) throw new AppError('not_found', `Hook ${hookId} not found`);
  return found;
}

export async function updateHook(
  deps: PatternHookDependencies,
  call: HookCall,
  productId: string,
  hookId: string,
  input: UpdateHookRequest,
  ifMatch: string | undefined,
): Promise<VersionedHook> {
  const current = await getHook(deps, call.principal, productId, hookId);
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== current.etag)
    throw new AppError('precondition_failed', `Hook ${hookId} changed since it was read`);
  const next: PatternHook = {
    ...current.hook,
    ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
    updatedAt: deps.clock.now().toISOString(),
  };
  checkRule(deps, next);
  const stored = await deps.hooks.replace(next, current.etag);
  deps.cache.invalidate(productId);
  await audit(deps, call, stored.hook, 'hook.updated');
  return stored;
}

export async function deleteHook(deps: PatternHookDependencies, call: HookCall, productId: string, hookId: string): Promise<void> {
  requireAdmin(call.principal, productId);
  const found = await deps.hooks.get(productId, hookId);
  if (!found) return;
  await deps.hooks.delete(productId, hookId);
  deps.cache.invalidate(productId);
  await audit(deps, call, found.hook, 'hook.deleted');
}

/**
 * Matches what ingest just stored (masked) and announces each match. Per instance, a hook announces at most its
 * throttle's `max` matches per window; the rest are counted and reported with the next announced one. The
 * notifications subscriber throttles again across instances, exactly, before anything is sent.
 */
export class PatternMatcher {
  private readonly windows = new Map<string, { startedAt: number; announced: number; suppressed: number }>();

  constructor(private readonly deps: PatternHookDependencies) {}

  async onStored(productId: string, docs: TailDoc[], correlationId: string): Promise<void> {
    if (docs.length === 0) return;
    const cached = this.deps.cache.forProduct(productId);
    const hooks = Array.isArray(cached) ? cached : await cached;
    if (hooks.length === 0) return;
    const events: EventEnvelope[] = [];
    const now = this.deps.clock.now();
    for (const compiled of hooks) {
      for (const doc of docs) {
        if (!compiled.matches(doc)) continue;
        this.deps.telemetry.metric('hooks.matched_total', 1, {});
        const suppressedBefore = this.admit(compiled.hook, now.getTime());
        if (suppressedBefore === undefined) continue;
        events.push(this.matchedEvent(compiled.hook, doc, now, correlationId, suppressedBefore));
      }
    }
    if (events.length > 0) await this.deps.events.publish(events);
  }

  /** Undefined when over the hook's max in its window on this instance; else how many were held back before. */
  private admit(hook: PatternHook, now: number): number | undefined {
    let window = this.windows.get(hook.id);
    if (!window || now - window.startedAt >= hook.throttle.windowSeconds * 1000) {
      window = { startedAt: now, announced: 0, suppressed: window?.suppressed ?? 0 };
      if (this.windows.size >= 10_000) this.windows.clear();
      this.windows.set(hook.id, window);
    }
    if (window.announced >= hook.throttle.max) {
      window.suppressed++;
      this.deps.telemetry.metric('hooks.suppressed_total', 1, {});
      return undefined;
    }
    window.announced++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    return suppressed;
  }

  private matchedEvent(hook: PatternHook, doc: TailDoc, now: Date, correlationId: string, suppressedBefore: number): EventEnvelope {
    return newEvent('diagnostics.pattern.matched', {
      // One event per hook and stored item: a retried batch announces the same event again, deduplicated downstream.
      id: stableEventId('pattern', hook.id, doc.sessionId, doc.id),
      productId: hook.productId,
      sessionId: doc.sessionId,
      correlationId: ('correlationId' in doc && doc.correlationId) || correlationId,
      time: now,
      payload: {
        hookId: hook.id,
        hookName: hook.name,
        itemId: doc.itemId,
        docType: doc.docType,
        level: doc.docType === 'log' || doc.docType === 'breadcrumb' ? doc.level : undefined,
        // Already masked at ingest; cut short, as every text an alert carries.
        excerpt: hookTextOf(doc).slice(0, EXCERPT_LENGTH),
        itemTime: doc.docType === 'span' ? doc.startTime : doc.timestamp,
        link: itemDeepLink(this.deps.publicBaseUrl, doc.sessionId, doc.itemId),
        alertKey: `hook:${hook.productId}:${hook.id}`,
        throttle: hook.throttle,
        notify: hook.action.notify,
        webhookUrl: hook.action.webhookUrl,
        suppressedBefore,
      },
    });
  }
}
