// Timer, every 10 minutes: rejects screenshots whose upload window closed without a confirm and deletes their blobs.
import { getDependencies } from '../shared/runtime/composition';
import { registerTimerFunction } from '../shared/runtime/registry';
import { sweepAbandonedUploads } from '../shared/services/screenshot-service';

registerTimerFunction({
  name: 'screenshots-sweep',
  schedule: '0 */10 * * * *',
  handler: async (_timer, context) => {
    const { services } = await getDependencies();
    // A minute's grace past the window, so an upload finishing at its last moment can still be confirmed.
    const result = await sweepAbandonedUploads(services.screenshots, { pageSize: 200, graceInMs: 60_000 });
    if (result.rejected > 0) context.log(`screenshot sweep: rejected ${result.rejected} unconfirmed uploads`);
  },
});
