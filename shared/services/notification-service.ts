// The notifications subscriber's use case: route an event to its audiences' channels, throttle alerts by key,
// and deliver each (event, route, channel) at most once, however often the message is redelivered.
import { AppError, isAppError } from '../errors';
import { alertKeyOf } from '../domain/events/alert-key';
import { buildNotification } from '../domain/events/notification-message';
import {
  channelNameSchema,
  routesFor,
  type Audience,
  type ChannelName,
  type NotificationRoute,
  type NotificationRouting,
} from '../domain/events/notification-routing';
import { decideThrottle } from '../domain/events/throttle';
import type { AlertThrottleStore } from '../ports/alert-throttle';
import type { Clock } from '../ports/clock';
import { eventPayloadFieldsSchema, patternMatchedPayloadSchema, type EventEnvelope } from '../domain/events/event-envelope';
import type { NotificationChannel } from '../ports/notification-channel';
import type { SubscriberLedger } from '../ports/subscriber-ledger';
import type { Telemetry } from '../ports/telemetry';
import type { MaskingEngine } from '../domain/masking';

export interface NotificationDependencies {
  routing: NotificationRouting;
  /** Only the configured channels; a route naming another one skips it (counted). */
  channels: Partial<Record<ChannelName, NotificationChannel>>;
  throttle: AlertThrottleStore;
  ledger: SubscriberLedger;
  clock: Clock;
  telemetry: Telemetry;
  publicBaseUrl: string;
  /** Every message text is masked again before it leaves the app. */
  masking: MaskingEngine;
  throttleWindowInMs: number;
  onCallEmails: string[];
  /** A signed webhook to a pattern hook's own address (WEBHOOK_SECRET); undefined when no secret is configured. */
  webhookTo?: (url: string) => NotificationChannel;
}

/** Where an event goes: the routing's routes, or for a pattern hook the hook's own action and throttle. */
interface Delivery {
  index: number | string;
  route: NotificationRoute;
  /** The hook's webhook address, delivered as the `webhook` channel. */
  webhookUrl?: string;
}

interface ThrottleRule {
  windowInMs: number;
  maxPerWindow: number;
}

function deliveriesFor(deps: NotificationDependencies, event: EventEnvelope): { deliveries: Delivery[]; throttle: ThrottleRule } {
  const defaultRule = { windowInMs: deps.throttleWindowInMs, maxPerWindow: 1 };
  if (event.type !== 'diagnostics.pattern.matched') return { deliveries: routesFor(deps.routing, event), throttle: defaultRule };
  const parsed = patternMatchedPayloadSchema.safeParse(event.payload);
  if (!parsed.success) throw new AppError('invalid_input', 'diagnostics.pattern.matched without a valid payload', { retryable: false });
  const { notify, webhookUrl, throttle } = parsed.data;
  const channels = webhookUrl
    ? (['webhook'] as ChannelName[])
    : (notify ?? []).flatMap((name) => (channelNameSchema.safeParse(name).success ? [name as ChannelName] : []));
  const route: NotificationRoute = { events: [event.type], products: [event.productId], audience: 'on-call', channels, throttle: true };
  return { deliveries: [{ index: 'hook', route, webhookUrl }], throttle: { windowInMs: throttle.windowSeconds * 1000, maxPerWindow: throttle.max } };
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function recipientsFor(audience: Audience, event: EventEnvelope, deps: NotificationDependencies): string[] {
  const fields = eventPayloadFieldsSchema.safeParse(event.payload);
  const data = fields.success ? fields.data : {};
  const candidates = audience === 'on-call' ? deps.onCallEmails : audience === 'creator' ? [data.createdBy] : [data.target?.targetUserId];
  return candidates.filter((address): address is string => typeof address === 'string' && emailPattern.test(address));
}

const MAX_THROTTLE_ATTEMPTS = 5;

/** Sends or folds; concurrent instances agree through create / If-Match on the key's state. */
async function throttleAlert(
  deps: NotificationDependencies,
  alertKey: string,
  eventId: string,
  rule: ThrottleRule,
): Promise<{ send: boolean; folded: number }> {
  for (let attempt = 0; attempt < MAX_THROTTLE_ATTEMPTS; attempt++) {
    const current = await deps.throttle.get(alertKey);
    const decision = decideThrottle(current?.state, alertKey, eventId, deps.clock.now(), rule.windowInMs, rule.maxPerWindow);
    if (decision.action === 'fold') {
      await deps.throttle.fold(alertKey);
      return { send: false, folded: 0 };
    }
    if (decision.write === 'none') return { send: true, folded: decision.folded };
    const written = decision.write === 'create' ? await deps.throttle.create(decision.next) : await deps.throttle.replace(decision.next, current!.etag);
    if (written) return { send: true, folded: decision.folded };
  }
  throw new AppError('unavailable', 'The alert throttle state kept changing', { retryable: true });
}

export async function notifyForEvent(deps: NotificationDependencies, event: EventEnvelope): Promise<void> {
  const planned = deliveriesFor(deps, event);
  let routes = planned.deliveries;
  if (routes.length === 0) return;
  const alertKey = alertKeyOf(event);
  let folded = 0;
  if (routes.some(({ route }) => route.throttle)) {
    const throttled = await throttleAlert(deps, alertKey, event.id, planned.throttle);
    if (!throttled.send) {
      deps.telemetry.metric('notification.throttled_total', 1, { type: event.type });
      routes = routes.filter(({ route }) => !route.throttle);
    }
    folded = throttled.folded;
  }
  let transient: AppError | undefined;
  for (const { index, route, webhookUrl } of routes) {
    const { message, maskedCount } = buildNotification(event, route.audience, {
      publicBaseUrl: deps.publicBaseUrl,
      masking: deps.masking,
      owner: deps.routing.owners[event.productId],
      alertKey,
      folded,
    });
    if (maskedCount > 0) deps.telemetry.metric('debug.masking.violation_total', maskedCount, { channel: 'notification' });
    for (const channelName of route.channels) {
      const deliveryKey = `notifications:${event.id}:${index}:${channelName}`;
      if (await deps.ledger.isDone(deliveryKey)) continue;
      const channel = webhookUrl ? deps.webhookTo?.(webhookUrl) : deps.channels[channelName];
      const recipients = channelName === 'email' ? recipientsFor(route.audience, event, deps) : [];
      if (!channel || (channelName === 'email' && recipients.length === 0)) {
        deps.telemetry.metric('notification.delivery_total', 1, { channel: channelName, outcome: 'skipped' });
        continue;
      }
      try {
        await channel.send(message, recipients);
        deps.telemetry.metric('notification.delivery_total', 1, { channel: channelName, outcome: 'sent' });
      } catch (error) {
        deps.telemetry.metric('notification.delivery_total', 1, { channel: channelName, outcome: 'failed' });
        const appError = isAppError(error) ? error : new AppError('unavailable', `${channelName} failed`, { cause: error });
        // A permanent refusal (bad URL, revoked key) would fail on every retry: give this delivery up, keep the others.
        if (appError.retryable) {
          transient ??= appError;
          continue;
        }
        await deps.ledger.deadLetter({
          id: `notifications:${event.id}:${index}:${channelName}`,
          subscription: 'notifications',
          messageId: event.id,
          eventType: event.type,
          reason: 'PermanentDeliveryFailure',
          description: `${channelName}: ${appError.message}`,
          deliveryCount: 1,
          at: deps.clock.now().toISOString(),
          body: event,
        });
      }
      await deps.ledger.markDone(deliveryKey, deps.clock.now());
    }
  }
  // Deliveries already done are skipped on redelivery, so retrying resends only what failed.
  if (transient) throw transient;
}
