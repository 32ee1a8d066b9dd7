// Which events go to whom over which channels, per product and event type: validated data, with a default.
import { z } from 'zod';
import { eventTypeSchema, type EventEnvelope } from './event-envelope';

export const channelNames = ['slack', 'teams', 'pagerduty', 'webhook', 'email'] as const;
export const channelNameSchema = z.enum(channelNames);
export type ChannelName = z.infer<typeof channelNameSchema>;

export const audienceSchema = z.enum(['target-user', 'creator', 'on-call']);
export type Audience = z.infer<typeof audienceSchema>;

const routeSchema = z
  .object({
    events: z.array(eventTypeSchema).min(1),
    /** Product ids, or `*` for all. */
    products: z.array(z.string().min(1)).min(1).default(['*']),
    audience: audienceSchema,
    channels: z.array(channelNameSchema).min(1),
    /** Alerts of the same key are sent at most once per window; repeats are folded into a count. */
    throttle: z.boolean().default(false),
  })
  .strict();
export type NotificationRoute = z.infer<typeof routeSchema>;

export const notificationRoutingSchema = z
  .object({
    routes: z.array(routeSchema).max(100),
    /** Owning team per product: a ticket label/field and a fact in every notification. */
    owners: z.record(z.string(), z.string().max(128)).default({}),
  })
  .strict();
export type NotificationRouting = z.infer<typeof notificationRoutingSchema>;

export const defaultNotificationRouting: NotificationRouting = notificationRoutingSchema.parse({
  routes: [
    { events: ['diagnostics.session.started'], audience: 'target-user', channels: ['email', 'webhook'] },
    { events: ['diagnostics.session.cancelled', 'diagnostics.session.completed'], audience: 'creator', channels: ['email', 'slack', 'teams'] },
    { events: ['diagnostics.ingest.fatal'], audience: 'on-call', channels: ['pagerduty', 'slack', 'teams', 'webhook', 'email'], throttle: true },
    { events: ['diagnostics.report.generated', 'diagnostics.regression.reported'], audience: 'creator', channels: ['slack', 'teams'] },
    // Signal alerts (issue 17): throttled by alert key (one per rule), so a flapping series cannot page twice in a window.
    { events: ['diagnostics.signal.alert_fired'], audience: 'on-call', channels: ['pagerduty', 'slack', 'teams', 'webhook', 'email'], throttle: true },
    // A recovery resolves the PagerDuty incident its alert opened (same alert key); never throttled.
    { events: ['diagnostics.signal.alert_recovered'], audience: 'on-call', channels: ['pagerduty', 'slack', 'teams', 'webhook'] },
  ],
});

/** Parses the NOTIFICATION_ROUTING setting; throws naming the offending path. */
export function parseNotificationRouting(json: string | undefined): NotificationRouting {
  if (json === undefined) return defaultNotificationRouting;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('NOTIFICATION_ROUTING is not valid JSON');
  }
  const result = notificationRoutingSchema.safeParse(value);
  if (!result.success) {
    throw new Error(`NOTIFICATION_ROUTING: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}

export function routesFor(routing: NotificationRouting, event: EventEnvelope): Array<{ index: number; route: NotificationRoute }> {
  return routing.routes.flatMap((route, index) =>
    route.events.includes(event.type) && (route.products.includes('*') || route.products.includes(event.productId)) ? [{ index, route }] : [],
  );
}
