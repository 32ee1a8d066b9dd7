// Timer, every minute: publishes what the outbox still holds (events whose direct send failed, e.g. a bus outage).
import { getDependencies } from '../shared/runtime/composition';
import { registerTimerFunction } from '../shared/runtime/registry';
import { drainOutbox } from '../shared/services/event-relay';

registerTimerFunction({
  name: 'events-outbox-drain',
  schedule: '0 */1 * * * *',
  handler: async (_timer, context) => {
    const { services } = await getDependencies();
    const result = await drainOutbox(services.relay, { pageSize: 100, budgetInMs: 45_000 });
    if (result.failed > 0) context.warn(`outbox drain: ${result.failed} events still waiting for the bus`);
  },
});
