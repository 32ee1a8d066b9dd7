// JWT verification with jose: the identity provider's JWKS in Azure, a local dev secret on the local host.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { AppError } from '../../errors';
import type { Principal, Role } from '../../domain/access/principal';
import type { TokenVerifier } from '../../ports/token-verifier';

export interface TokenSettings {
  issuer: string;
  audience: string;
  rolesClaim: string;
  productsClaim: string;
  jwksUrl?: string;
  localSecret?: string;
}

const knownRoles: Record<string, Role> = {
  admin: 'admin',
  'diagnostics.admin': 'admin',
  engineer: 'engineer',
  'diagnostics.engineer': 'engineer',
  viewer: 'viewer',
  'diagnostics.viewer': 'viewer',
  // Never implied by admin or engineer: see docs/privacy.md "Field-level access".
  sensitive: 'sensitive',
  'diagnostics.sensitive': 'sensitive',
};

function claimList(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

export function principalFromClaims(payload: JWTPayload, settings: Pick<TokenSettings, 'rolesClaim' | 'productsClaim'>): Principal {
  if (!payload.sub) throw new AppError('unauthenticated', 'The token has no subject');
  const roles = new Set<Role>();
  for (const role of claimList(payload, settings.rolesClaim)) {
    const known = knownRoles[role.toLowerCase()];
    if (known) roles.add(known);
  }
  return { subject: payload.sub, roles, products: new Set(claimList(payload, settings.productsClaim)) };
}

export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  const key = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 })
    : settings.localSecret
      ? new TextEncoder().encode(settings.localSecret)
      : undefined;
  if (!key) throw new Error('Token verification needs AUTH_JWKS_URL or AUTH_LOCAL_SECRET');
  // Pinned: Entra ID signs with RS256, the local host with HS256; any other algorithm (or `none`) is refused.
  // `exp` is required, and `iat` must be present, not in the future and at most a day old (jose checks both with maxTokenAge).
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: 30,
    algorithms: settings.jwksUrl ? ['RS256'] : ['HS256'],
    requiredClaims: ['exp', 'iat', 'sub'],
    maxTokenAge: '1d',
  };
  return {
    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
        return principalFromClaims(payload, settings);
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new AppError('unauthenticated', 'The token has expired');
        if (error instanceof joseErrors.JWKSTimeout)
          throw new AppError('unavailable', 'The identity provider did not answer; retry shortly', { retryAfterSeconds: 5 });
        throw new AppError('unauthenticated', 'The token is not valid for this service');
      }
    },
  };
}

export interface LocalTokenRequest {
  subject: string;
  roles: string[];
  products: string[];
  expiresInSeconds?: number;
}

/** Signs a token the local host accepts (HS256 with the dev secret); never used against Azure. */
export async function signLocalToken(settings: TokenSettings, request: LocalTokenRequest): Promise<string> {
  if (!settings.localSecret) throw new Error('AUTH_LOCAL_SECRET is not set');
  return new SignJWT({ [settings.rolesClaim]: request.roles, [settings.productsClaim]: request.products })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(request.subject)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${request.expiresInSeconds ?? 3600}s`)
    .sign(new TextEncoder().encode(settings.localSecret));
}
