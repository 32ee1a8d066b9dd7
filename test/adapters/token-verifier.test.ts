// Bearer tokens verified against a JWKS served on loopback, as Entra ID serves its keys in Azure.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../shared/adapters/identity/jose-token-verifier';
import { AppError } from '../../shared/errors';
import type { TokenVerifier } from '../../shared/ports/token-verifier';

let server: Server;
let privateKey: CryptoKey;
let verifier: TokenVerifier;
let jwksRequests = 0;
const issuer = 'https://login.example.test/tenant/v2.0';
const audience = 'api://diagnostics';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  server = createServer((request, response) => {
    jwksRequests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/discovery/v2.0/keys`;
  verifier = createTokenVerifier({ issuer, audience, rolesClaim: 'roles', productsClaim: 'products', jwksUrl });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function sign(claims: Record<string, unknown>, options: { issuer?: string; audience?: string; expiresIn?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
    .setSubject('user-1')
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(privateKey);
}

async function refusal(token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return 'accepted';
  } catch (error) {
    return error instanceof AppError ? `${error.kind}: ${error.message}` : 'unexpected error';
  }
}

describe('createTokenVerifier with a JWKS URL', () => {
  it('maps Entra-style app roles and the products claim onto a principal, fetching keys once', async () => {
    const principal = await verifier.verify(await sign({ roles: ['Diagnostics.Admin', 'Unrelated'], products: ['demo', 'shop'] }));
    expect(principal.subject).toBe('user-1');
    expect([...principal.roles]).toEqual(['admin']);
    expect([...principal.products]).toEqual(['demo', 'shop']);
    await verifier.verify(await sign({ roles: ['engineer'], products: 'demo' }));
    expect(jwksRequests).toBe(1);
  });

  it('refuses a wrong issuer, a wrong audience and an expired token', async () => {
    expect(await refusal(await sign({}, { issuer: 'https://evil.test/' }))).toMatch(/^unauthenticated/);
    expect(await refusal(await sign({}, { audience: 'api://other' }))).toMatch(/^unauthenticated/);
    expect(await refusal(await sign({}, { expiresIn: '-5m' }))).toBe('unauthenticated: The token has expired');
  });

  it('refuses a token signed by another key', async () => {
    const stranger = await generateKeyPair('RS256');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setSubject('x')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    expect(await refusal(forged)).toMatch(/^unauthenticated/);
  });
});

describe('claims and algorithms are pinned', () => {
  const bare = () => new SignJWT({ roles: ['admin'], products: ['demo'] }).setSubject('user-1').setIssuer(issuer).setAudience(audience);

  it('refuses a token without exp', async () => {
    const token = await bare().setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setIssuedAt().sign(privateKey);
    await expect(verifier.verify(token)).rejects.toMatchObject({ kind: 'unauthenticated' });
  });

  it('refuses a token issued in the future or more than a day ago', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = await bare()
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuedAt(now + 86_400)
      .setExpirationTime(now + 90_000)
      .sign(privateKey);
    await expect(verifier.verify(future)).rejects.toMatchObject({ kind: 'unauthenticated' });
    const ancient = await bare()
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuedAt(now - 3 * 86_400)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    await expect(verifier.verify(ancient)).rejects.toMatchObject({ kind: 'unauthenticated' });
  });

  it('refuses an algorithm other than the pinned one, even with a key the JWKS serves', async () => {
    const pair = await generateKeyPair('PS256');
    const token = await bare().setProtectedHeader({ alg: 'PS256', kid: 'key-1' }).setIssuedAt().setExpirationTime('10m').sign(pair.privateKey);
    await expect(verifier.verify(token)).rejects.toMatchObject({ kind: 'unauthenticated' });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: issuer, aud: audience, exp: 9e9 })).toString('base64url')}.`;
    await expect(verifier.verify(unsigned)).rejects.toMatchObject({ kind: 'unauthenticated' });
  });

  it('refuses HS384 against the local secret, which accepts only HS256', async () => {
    const secret = 'local-test-secret-that-is-long-enough-32';
    const local = createTokenVerifier({ issuer, audience, rolesClaim: 'roles', productsClaim: 'products', localSecret: secret });
    const sign = (alg: string) => bare().setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));
    await expect(local.verify(await sign('HS256'))).resolves.toMatchObject({ subject: 'user-1' });
    await expect(local.verify(await sign('HS384'))).rejects.toMatchObject({ kind: 'unauthenticated' });
  });
});
