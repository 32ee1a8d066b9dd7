// GET /api/openapi.json: the OpenAPI 3.1 document of every route, built from the schemas the routes validate with.
import { httpFunction, json } from '../shared/http/endpoint';
import { apiDocument } from '../shared/http/api-document';

httpFunction({
  name: 'openapi-get',
  route: 'openapi.json',
  methods: ['GET'],
  auth: {},
  summary: 'This document',
  handler: async () => json(200, apiDocument(), { 'cache-control': 'public, max-age=300' }),
});
