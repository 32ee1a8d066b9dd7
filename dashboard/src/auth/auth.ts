// Who is signed in, and how a token is had: the local host's dev sign-in (local mode only) or Entra ID through
// MSAL (auth code + PKCE), loaded only when the server says sign-in is Entra's so local pages stay small.
import { signal } from '@preact/signals';
import type { DashboardConfig, DevSignInRequest, DevSignInResponse } from '../api/types';
import type { TokenSource } from '../api/client';
import { navigate } from '../router';

const STORAGE_KEY = 'diagnostics.dashboard.token';

export interface SignedIn {
  token: string;
  expiresAt: string;
  /** What the token says, for the header; the API decides what it allows. */
  subject: string;
  roles: string[];
  products: string[];
}

export const config = signal<DashboardConfig | undefined>(undefined);
export const signedIn = signal<SignedIn | undefined>(readStored());

function readStored(): SignedIn | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as SignedIn | null;
    return stored && Date.parse(stored.expiresAt) > Date.now() + 30_000 ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of a JWT, read (not verified: the API verifies) so the page can say who is signed in. */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const json = atob(
    payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '='),
  );
  return JSON.parse(json) as Record<string, unknown>;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];
}

export function remember(token: string, expiresAt?: string): SignedIn {
  const claims = claimsOf(token);
  const expiry = expiresAt ?? new Date(Number(claims.exp ?? 0) * 1000).toISOString();
  const value: SignedIn = { token, expiresAt: expiry, subject: String(claims.sub ?? ''), roles: list(claims.roles), products: list(claims.products) };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  signedIn.value = value;
  return value;
}

export function forget(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  signedIn.value = undefined;
}

export async function loadConfig(): Promise<DashboardConfig> {
  if (config.value) return config.value;
  const response = await fetch('/dashboard-config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`The dashboard's settings did not load (${response.status})`);
  config.value = (await response.json()) as DashboardConfig;
  return config.value;
}

/** Local mode only: the local host mints the same token as `npx diagnostics token`. */
export async function devSignIn(request: DevSignInRequest): Promise<SignedIn> {
  const current = await loadConfig();
  if (current.signIn !== 'local') throw new Error('Dev sign-in exists only on the local host');
  const response = await fetch(current.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string };
    throw new Error(problem.detail ?? `Dev sign-in failed (${response.status})`);
  }
  const body = (await response.json()) as DevSignInResponse;
  return remember(body.token, body.expiresAt);
}

type Msal = import('@azure/msal-browser').PublicClientApplication;
let msal: Promise<Msal> | undefined;

async function msalClient(current: Extract<DashboardConfig, { signIn: 'entra' }>): Promise<Msal> {
  msal ??= import('@azure/msal-browser').then(async ({ PublicClientApplication }) => {
    const client = new PublicClientApplication({
      auth: { clientId: current.clientId, authority: current.authority, redirectUri: `${location.origin}/signin` },
      cache: { cacheLocation: 'sessionStorage' },
    });
    await client.initialize();
    return client;
  });
  return msal;
}

/** Entra ID: an authorization-code redirect with PKCE (MSAL does both). */
export async function entraSignIn(next: string): Promise<void> {
  const current = await loadConfig();
  if (current.signIn !== 'entra') throw new Error('Entra ID sign-in is not configured');
  const client = await msalClient(current);
  await client.loginRedirect({ scopes: current.scopes, state: next });
}

/** After Entra's redirect back to /signin: the account, a token for the API, and where to go next. */
export async function completeEntraSignIn(): Promise<string | undefined> {
  const current = await loadConfig();
  if (current.signIn !== 'entra') return undefined;
  const client = await msalClient(current);
  const result = await client.handleRedirectPromise();
  const account = result?.account ?? client.getAllAccounts()[0];
  if (!account) return undefined;
  client.setActiveAccount(account);
  const token = await client.acquireTokenSilent({ scopes: current.scopes, account });
  remember(token.accessToken, token.expiresOn?.toISOString());
  return result?.state ?? '/sessions';
}

export const tokenSource: TokenSource = {
  async token() {
    const current = config.value;
    if (current?.signIn === 'entra') {
      // MSAL renews from its cache (refresh token) when the access token is near expiry.
      const client = await msalClient(current);
      const account = client.getActiveAccount() ?? client.getAllAccounts()[0];
      if (!account) return undefined;
      const token = await client.acquireTokenSilent({ scopes: current.scopes, account }).catch(() => undefined);
      if (token) remember(token.accessToken, token.expiresOn?.toISOString());
      return token?.accessToken;
    }
    const stored = signedIn.value;
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored.token : undefined;
  },
  rejected() {
    forget();
    const here = `${location.pathname}${location.search}`;
    if (!location.pathname.startsWith('/signin')) navigate(`/signin?next=${encodeURIComponent(here)}`, { replace: true });
  },
};
