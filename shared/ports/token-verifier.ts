// Turns a bearer token into a Principal, or refuses it with `unauthenticated`.
import type { Principal } from '../domain/access/principal';

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}
