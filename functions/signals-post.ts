// POST /api/diagnostics/signals: a device's per-minute counters (errors, crashes, requests, 5xx, latency), no session
// needed; an Idempotency-Key makes a resent batch count once.
import { httpFunction, json } from '../shared/http/endpoint';
import { signalBatchSchema } from '../shared/domain/signals/intake';
import { ingestSignals } from '../shared/services/signal-service';

httpFunction({
  name: 'signals-post',
  route: 'diagnostics/signals',
  methods: ['POST'],
  auth: { ingestKey: true },
  body: signalBatchSchema,
  maxBodyBytes: 64 * 1024,
  handler: async ({ body, request, services, productId, correlationId }) =>
    json(202, await ingestSignals(services.signals.intake, productId, body, { correlationId, idempotencyKey: request.headers.get('idempotency-key') })),
});
