// Timer, every five minutes: erasures whose worker stopped (a dead-lettered or lost message) get their next message.
import { getDependencies } from '../shared/runtime/composition';
import { registerTimerFunction } from '../shared/runtime/registry';
import { resumeStalledErasures } from '../shared/services/erasure-service';

registerTimerFunction({
  name: 'erasures-resume',
  schedule: '0 */5 * * * *',
  handler: async (_timer, context) => {
    const { services } = await getDependencies();
    const resumed = await resumeStalledErasures(services.erasures, { stalledAfterInMs: 10 * 60_000, maxItems: 50 });
    if (resumed > 0) context.warn(`erasures: resumed ${resumed} stalled erasures`);
  },
});
