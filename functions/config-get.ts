// GET /api/diagnostics/config: the device poll. Answers from memory; If-None-Match gives 304.
import { httpFunction } from '../shared/http/endpoint';
import { configPollQuerySchema } from '../shared/domain/sessions/targeting';

httpFunction({
  name: 'config-get',
  route: 'diagnostics/config',
  methods: ['GET'],
  auth: { ingestKey: true, bearer: 'optional' },
  summary: 'the poll: the session targeting this device, if any (device)',
  query: configPollQuerySchema,
  handler: async ({ query, request, services, productId, principal }) => {
    const caller = { productId, authenticatedUserId: principal?.subject };
    const { notModified, answer } = await services.deviceConfig.answerPoll(query, caller, request.headers.get('if-none-match'));
    const headers = { etag: answer.etag, 'cache-control': 'no-cache' };
    return notModified ? { status: 304, headers } : { status: 200, body: answer.json, headers: { ...headers, 'content-type': 'application/json' } };
  },
});
