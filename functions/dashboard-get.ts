// GET /{*path} at the site root: the admin dashboard (static files, SPA fallback) and its sign-in settings.
import { z } from 'zod';
import { AppError } from '../shared/errors';
import { httpFunction, json } from '../shared/http/endpoint';
import { assetResponse, contentSecurityPolicy, dashboardAssets, dashboardConfig } from '../shared/http/dashboard-assets';
import { API_ROUTE_PREFIX } from '../shared/runtime/registry';

httpFunction({
  name: 'dashboard-get',
  route: '{*path}',
  atSiteRoot: true,
  methods: ['GET', 'HEAD'],
  auth: {},
  params: z.object({ path: z.string().max(512).optional() }),
  handler: async ({ params, request, services }) => {
    const path = params.path ?? '';
    // Literal API routes win over this catch-all; an unknown one is a plain 404, never the page.
    if (path === API_ROUTE_PREFIX || path.startsWith(`${API_ROUTE_PREFIX}/`)) throw new AppError('not_found', 'No such API route');
    const csp = { 'content-security-policy': contentSecurityPolicy(services.dashboard) };
    if (path === 'dashboard-config.json') return json(200, dashboardConfig(services.dashboard), { 'cache-control': 'no-cache', ...csp });
    const assets = dashboardAssets();
    if (!assets.built) throw new AppError('unavailable', 'The dashboard is not built: run npm run build');
    const headers = { acceptEncoding: request.headers.get('accept-encoding'), ifNoneMatch: request.headers.get('if-none-match') };
    const answer = assetResponse(assets, { path, method: request.method, ...headers }, csp);
    if (!answer) throw new AppError('not_found', `No dashboard file ${path}`);
    return answer;
  },
});
