// The Functions host's own ceiling on this machine, registered in the benchmark host only (never in the app).
import { registerHttpFunction } from '../../shared/runtime/registry';
import { EMPTY_FUNCTION_ROUTE } from '../support/api';

/** A correlation id of the length ours have, fixed: making one is the application's work (as the bare server does). */
const CORRELATION_ID = '00000000-0000-4000-8000-000000000000';
let emptyFunctionTag = '"none"';

export function setEmptyFunctionTag(etag: string): boolean {
  emptyFunctionTag = etag;
  return true;
}

/**
 * A function registered through the same path as the app's (registerHttpFunction, as httpFunction does), served by
 * the same local host (routing, HttpRequest, InvocationContext, the response written back), answering the config
 * poll's 304 bytes with no work of its own.
 */
export function registerEmptyFunction(): void {
  registerHttpFunction({
    name: 'bench-empty-config',
    route: EMPTY_FUNCTION_ROUTE,
    methods: ['GET'],
    handler: (request) => {
      const headers = { etag: emptyFunctionTag, 'cache-control': 'no-cache', 'x-correlation-id': CORRELATION_ID };
      return Promise.resolve(request.headers.get('if-none-match') === emptyFunctionTag ? { status: 304, headers } : { status: 200, headers, body: '{}' });
    },
  });
}
