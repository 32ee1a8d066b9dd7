// Timer, every minute: ends sessions whose time box passed (completed or expired), paged, safe to overlap.
import { getDependencies } from '../shared/runtime/composition';
import { registerTimerFunction } from '../shared/runtime/registry';
import { expireDueSessions } from '../shared/services/session-expiry-service';

registerTimerFunction({
  name: 'sessions-expire',
  schedule: '0 */1 * * * *',
  handler: async (_timer, context) => {
    const { services } = await getDependencies();
    const result = await expireDueSessions(services.sessions, { pageSize: 100, budgetInMs: 45_000 });
    if (result.ended > 0) context.log(`session expiry: ended ${result.ended}, skipped ${result.skipped}`);
  },
});
