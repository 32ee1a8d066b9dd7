// The dashboard's local-only sign-in: mints the same HS256 dev token as `npx diagnostics token`, on the server,
// so the dev secret never reaches the browser. It stands in for Entra ID's token endpoint and exists only here, in
// the local host, in local mode: it is not a registered function, so no Functions host (Azure) ever serves it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import type { Settings } from '../shared/config/settings';
import { productIdSchema } from '../shared/domain/sessions/session';
import { withDevSensitive } from './local-settings';

export { LOCAL_DEV_SIGN_IN_PATH as DEV_SIGN_IN_PATH } from '../shared/http/dashboard-assets';
const TOKEN_LIFETIME_SECONDS = 12 * 3600;

export const devSignInRequestSchema = z
  .object({
    role: z.enum(['admin', 'engineer', 'viewer']),
    /** Diagnostics.Sensitive with the role: by default for admin and engineer, never by default for viewer. */
    sensitive: z.boolean().optional(),
    products: z.array(productIdSchema).min(1).max(20),
    subject: z
      .string()
      .regex(/^[\w.@-]{1,64}$/)
      .optional(),
  })
  .strict();
export type DevSignInRequest = z.infer<typeof devSignInRequestSchema>;
export interface DevSignInResponse {
  token: string;
  expiresAt: string;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': status < 400 ? 'application/json' : 'application/problem+json',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

function problem(response: ServerResponse, status: number, detail: string, field?: string): void {
  answer(response, status, { type: 'about:blank', title: detail, status, detail, ...(field ? { errors: [{ field, message: detail }] } : {}) });
}

export async function handleDevSignIn(request: IncomingMessage, response: ServerResponse, settings: Settings, body: Buffer): Promise<void> {
  if (request.method !== 'POST') return problem(response, 405, 'Method not allowed');
  if (!settings.AUTH_LOCAL_SECRET) return problem(response, 404, 'Not found');
  // JSON only (a cross-site form cannot send it without a preflight), and never from another origin.
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) return problem(response, 415, 'Send the body as application/json');
  const origin = request.headers.origin;
  if (origin && origin !== `http://${request.headers.host}`) return problem(response, 403, 'Dev sign-in is for pages of this host only');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return problem(response, 400, 'The body is not valid JSON', '(body)');
  }
  const result = devSignInRequestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return problem(response, 400, `${issue.path.join('.') || '(body)'}: ${issue.message}`, issue.path.join('.') || '(body)');
  }
  const { role, products, subject, sensitive } = result.data;
  const token = await signLocalToken(
    {
      issuer: settings.AUTH_ISSUER,
      audience: settings.AUTH_AUDIENCE,
      rolesClaim: settings.AUTH_ROLES_CLAIM,
      productsClaim: settings.AUTH_PRODUCTS_CLAIM,
      localSecret: settings.AUTH_LOCAL_SECRET,
    },
    { subject: subject ?? `local-${role}`, roles: withDevSensitive([role], sensitive), products, expiresInSeconds: TOKEN_LIFETIME_SECONDS },
  );
  const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_SECONDS * 1000).toISOString();
  answer(response, 200, { token, expiresAt } satisfies DevSignInResponse);
}
