// The one device check: besides the product key (`x-diagnostics-key`), a device call carries the session's ingest
// token from the config poll, as `Authorization: Bearer it1.…` (checked by the endpoint wrapper) or, for OTLP, as a
// resource attribute. The token binds product, session and device; checking it reads no storage.
import { AppError } from '../errors';
import { verifyIngestToken, type IngestTokenClaims } from '../domain/devices/credentials';
import type { DeviceContext } from '../domain/telemetry/items';
import type { Clock } from '../ports/clock';

/** A verified ingest token: the session (`sid`), product (`pid`) and device binding (`dev`) it was issued for. */
export type DeviceCredential = IngestTokenClaims;

/** Verifies an ingest token and that it belongs to the product whose key the call carries. */
export function verifyDeviceToken(secret: string, token: string | undefined, productId: string, now: Date): DeviceCredential {
  if (!token) throw new AppError('unauthenticated', 'Send the session ingest token from the config poll as Authorization: Bearer it1.…');
  const check = verifyIngestToken(secret, token, now);
  if (!check.valid) {
    throw new AppError(
      'unauthenticated',
      check.reason === 'expired' ? 'The ingest token expired; poll the config for a new one' : 'The ingest token is not valid',
    );
  }
  if (check.claims.pid !== productId) throw new AppError('forbidden', 'The ingest token belongs to another product');
  return check.claims;
}

/** The device binding (`device:abc`) must agree with whatever identity the call itself states. */
function bindingMatches(binding: string, device: DeviceContext): boolean {
  const separator = binding.indexOf(':');
  const kind = binding.slice(0, separator);
  const value = binding.slice(separator + 1);
  const stated: Record<string, string | undefined> = { device: device.deviceId, appSession: device.appSessionId, anonymous: device.anonymousId };
  return stated[kind] === undefined || stated[kind] === value;
}

/** The credential must have been issued for this session, and (when the call names its device) to this device. */
export function requireSessionOf(credential: DeviceCredential, sessionId: string, device: DeviceContext = {}): void {
  if (credential.sid !== sessionId) throw new AppError('forbidden', 'The ingest token was issued for another session');
  if (!bindingMatches(credential.dev, device)) throw new AppError('forbidden', 'The ingest token was issued to another device');
}

/**
 * The check with its secret and clock bound, for the endpoint wrapper and the OTLP intake. A device sends the same
 * token with every batch, so the tokens whose signature checked out are remembered: a repeat costs a map look-up
 * instead of an HMAC, while expiry and the product are still checked on every call. Only valid tokens are kept (a
 * forged one is checked every time, in constant time); a hit reveals no more than the answer does. Bounded: past
 * `maxTokens` the memory starts again.
 */
export class DeviceTokenVerifier {
  private readonly verified = new Map<string, DeviceCredential>();

  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly maxTokens = 10_000,
  ) {}

  verify(token: string | undefined, productId: string): DeviceCredential {
    const now = this.clock.now();
    const known = token === undefined ? undefined : this.verified.get(token);
    // An expired token is forgotten and checked in full, which refuses it as a fresh one would be.
    if (known !== undefined && known.exp * 1000 > now.getTime()) {
      if (known.pid !== productId) throw new AppError('forbidden', 'The ingest token belongs to another product');
      return known;
    }
    if (known !== undefined) this.verified.delete(token!);
    // Frozen: every call with this token shares the object.
    const claims = Object.freeze(verifyDeviceToken(this.secret, token, productId, now));
    if (this.verified.size >= this.maxTokens) this.verified.clear();
    this.verified.set(token!, claims);
    return claims;
  }
}
