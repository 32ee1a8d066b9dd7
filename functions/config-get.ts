// GET /api/diagnostics/config: the device poll. Answers from memory; If-None-Match gives 304.
import { httpFunction } from '../shared/http/endpoint';
import { configPollQuerySchema } from '../shared/domain/sessions/targeting';
import type { PollResult } from '../shared/services/device-config-service';

function pollResponse({ notModified, answer }: PollResult) {
  const headers = { etag: answer.etag, 'cache-control': 'no-cache' };
  return notModified ? { status: 304, headers } : { status: 200, body: answer.json, headers: { ...headers, 'content-type': 'application/json' } };
}

httpFunction({
  name: 'config-get',
  route: 'diagnostics/config',
  methods: ['GET'],
  auth: { ingestKey: true, bearer: 'optional' },
  summary: 'the poll: the session targeting this device, if any (device)',
  query: configPollQuerySchema,
  // Not an async function: a poll answered in hand (all but the one a refresh waits for) is answered in hand.
  handler: ({ query, request, services, productId, principal }) => {
    const caller = { productId, authenticatedUserId: principal?.subject };
    const result = services.deviceConfig.answerPoll(query, caller, request.headers.get('if-none-match'));
    return result instanceof Promise ? result.then(pollResponse) : pollResponse(result);
  },
});
