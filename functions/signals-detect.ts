// Timer, every minute: evaluates every product's alert rules over the signal buckets (fires, recovers, triggers sessions).
import { getDependencies } from '../shared/runtime/composition';
import { registerTimerFunction } from '../shared/runtime/registry';
import { evaluateSignalRules } from '../shared/services/detection-service';

registerTimerFunction({
  name: 'signals-detect',
  schedule: '5 */1 * * * *',
  handler: async (_timer, context) => {
    const { services } = await getDependencies();
    const result = await evaluateSignalRules(services.signals.detection, { budgetInMs: 45_000, log: (line) => context.warn(line) });
    if (result.fired + result.recovered + result.skipped > 0)
      context.log(
        `signals-detect: ${result.rules} rules, fired ${result.fired}, recovered ${result.recovered}, sessions ${result.sessionsOpened}, skipped ${result.skipped}${result.overCap ? ` (${result.overCap} over the bucket cap)` : ''}`,
      );
  },
});
