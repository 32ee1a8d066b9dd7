// The dashboard's static files (Vite's build in dist/dashboard): read once per instance, compressed once, and
// answered with a strict CSP, long caching for hashed assets, no-cache for index.html, and SPA fallback routing.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { HttpResponseInit } from '@azure/functions';
import type { Settings } from '../config/settings';

/** The settings the dashboard's page and sign-in depend on. */
export type DashboardSettings = Pick<
  Settings,
  'DASHBOARD_AUTHORITY' | 'DASHBOARD_CLIENT_ID' | 'DASHBOARD_API_SCOPE' | 'DIAGNOSTICS_MODE' | 'STORAGE_BLOB_ENDPOINT'
>;

/** Where `npm run build` puts the dashboard, relative to the package root (zip deploys ship dist/ whole). */
export const DASHBOARD_BUILD_DIRECTORY = path.join('dist', 'dashboard');

interface Asset {
  contentType: string;
  etag: string;
  cacheControl: string;
  identity: Buffer;
  gzip?: Buffer;
  brotli?: Buffer;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const compressible = /^(text\/|application\/json|image\/svg)/;

function filesUnder(directory: string, base = directory): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

function loadAsset(file: string, bytes: Buffer): Asset {
  const contentType = contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names every file under assets/ by its content hash: it can be cached for good.
  const hashed = file.startsWith('assets/');
  const asset: Asset = {
    contentType,
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
    cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    identity: bytes,
  };
  if (compressible.test(contentType) && bytes.length > 512) {
    asset.gzip = gzipSync(bytes, { level: 9 });
    asset.brotli = brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } });
  }
  return asset;
}

export interface DashboardAssets {
  /** Undefined when the dashboard was not built. */
  get(file: string): Asset | undefined;
  readonly built: boolean;
}

export function loadDashboardAssets(directory: string): DashboardAssets {
  const assets = new Map<string, Asset>();
  if (existsSync(path.join(directory, 'index.html'))) {
    for (const file of filesUnder(directory)) assets.set(file, loadAsset(file, readFileSync(path.join(directory, file))));
  }
  return { get: (file) => assets.get(file), built: assets.has('index.html') };
}

function packageRoot(): string {
  let directory = __dirname;
  for (;;) {
    if (existsSync(path.join(directory, 'package.json')) && existsSync(path.join(directory, 'host.json'))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) return process.cwd();
    directory = parent;
  }
}

let defaultAssets: DashboardAssets | undefined;
/** The built dashboard, read on first use and kept for the instance's life. */
export function dashboardAssets(): DashboardAssets {
  defaultAssets ??= loadDashboardAssets(path.join(packageRoot(), DASHBOARD_BUILD_DIRECTORY));
  return defaultAssets;
}

/** The local host's dev sign-in (local-host/dev-sign-in.ts); no Functions host serves it. */
export const LOCAL_DEV_SIGN_IN_PATH = '/local/dev-token';

/** What the page needs to sign in: public values only. */
export type DashboardConfig =
  | { signIn: 'local'; tokenUrl: string; products: string[] }
  | { signIn: 'entra'; clientId: string; authority: string; scopes: string[] }
  | { signIn: 'unconfigured'; missing: string[] };

export function dashboardConfig(settings: DashboardSettings): DashboardConfig {
  if (settings.DIAGNOSTICS_MODE === 'local') return { signIn: 'local', tokenUrl: LOCAL_DEV_SIGN_IN_PATH, products: ['demo'] };
  const { DASHBOARD_CLIENT_ID: clientId, DASHBOARD_AUTHORITY: authority, DASHBOARD_API_SCOPE: scope } = settings;
  if (!clientId || !authority || !scope) {
    const missing = (['DASHBOARD_CLIENT_ID', 'DASHBOARD_AUTHORITY', 'DASHBOARD_API_SCOPE'] as const).filter((name) => !settings[name]);
    return { signIn: 'unconfigured', missing };
  }
  return { signIn: 'entra', clientId, authority, scopes: [scope] };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * No inline script or style, nothing from other origins but the screenshots' read links (Blob storage) and, in
 * azure mode, the identity provider MSAL talks to. Framing is refused.
 */
export function contentSecurityPolicy(settings: DashboardSettings): string {
  const blobOrigin = originOf(settings.STORAGE_BLOB_ENDPOINT);
  const identityOrigin = settings.DIAGNOSTICS_MODE === 'azure' ? originOf(settings.DASHBOARD_AUTHORITY) : undefined;
  const list = (...sources: Array<string | undefined>) => sources.filter(Boolean).join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${list("'self'", 'data:', 'blob:', blobOrigin)}`,
    `connect-src ${list("'self'", identityOrigin)}`,
    `frame-src ${identityOrigin ?? "'none'"}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface AssetRequest {
  path: string;
  acceptEncoding: string | null;
  ifNoneMatch: string | null;
  method: string;
}

/**
 * The answer for a path under the site root: a file, index.html for client-side routes (no file extension),
 * or undefined when there is no such file (the caller answers 404).
 */
export function assetResponse(assets: DashboardAssets, request: AssetRequest, securityHeaders: Record<string, string>): HttpResponseInit | undefined {
  const file = request.path.replace(/^\/+/, '');
  const isClientRoute = file === '' || !/\.[a-z0-9]+$/i.test(file);
  const asset = assets.get(isClientRoute ? 'index.html' : file);
  if (!asset) return undefined;
  const headers: Record<string, string> = {
    'content-type': asset.contentType,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...securityHeaders,
  };
  if (request.ifNoneMatch?.split(',').some((tag) => tag.trim() === asset.etag)) return { status: 304, headers };
  const accepted = (request.acceptEncoding ?? '').toLowerCase();
  let body = asset.identity;
  if (asset.brotli && /\bbr\b/.test(accepted)) {
    body = asset.brotli;
    headers['content-encoding'] = 'br';
  } else if (asset.gzip && /\bgzip\b/.test(accepted)) {
    body = asset.gzip;
    headers['content-encoding'] = 'gzip';
  }
  return { status: 200, headers, body: request.method === 'HEAD' ? undefined : body };
}
