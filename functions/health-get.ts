// GET /api/health: liveness plus a cheap reachability check of Cosmos and Blob storage.
import { httpFunction, json } from '../shared/http/endpoint';
import { checkHealth } from '../shared/services/health-service';

httpFunction({
  name: 'health-get',
  route: 'health',
  methods: ['GET'],
  auth: {},
  summary: 'Cosmos and Blob reachability (anyone)',
  handler: async ({ services }) => {
    const health = await checkHealth(services.health);
    return json(health.status === 'ok' ? 200 : 503, health);
  },
});
