// The keyed forms of an erasure's subject: HMAC-SHA256 hashes (what records, audit and certificates keep), the
// erasure id derived from (product, requestId), and the AES-256-GCM seal that carries the subject to the worker.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { erasureSubjectSchema, subjectKinds, type CreateErasureRequest, type ErasureSubject, type SubjectHashes } from './erasure';

export interface SubjectKeys {
  hash: Buffer;
  seal: Buffer;
}

/** Two independent keys from one secret, so the hashes reveal nothing about the sealing key. */
export function deriveSubjectKeys(secret: string): SubjectKeys {
  return {
    hash: createHmac('sha256', secret).update('diagnostics-erasure-subject-hash-v1').digest(),
    seal: createHmac('sha256', secret).update('diagnostics-erasure-subject-seal-v1').digest(),
  };
}

function hmacHex(key: Buffer, parts: string[]): string {
  return createHmac('sha256', key).update(parts.join('\n')).digest('hex');
}

/** `hmac-sha256:<hex>` of one identifier, scoped to its product and kind: the same user gets the same hash every time. */
export function subjectHash(keys: SubjectKeys, productId: string, kind: string, value: string): string {
  return `hmac-sha256:${hmacHex(keys.hash, [productId, kind, value])}`;
}

export function subjectHashes(keys: SubjectKeys, productId: string, subject: ErasureSubject): SubjectHashes {
  const hashes: SubjectHashes = {};
  for (const kind of subjectKinds) {
    const value = subject[kind];
    if (value !== undefined) hashes[kind] = subjectHash(keys, productId, kind, value);
  }
  return hashes;
}

/** The same (product, requestId) always names the same erasure, so a repeated request finds it by a point read. */
export function erasureIdOf(keys: SubjectKeys, productId: string, requestId: string): string {
  return `er_${hmacHex(keys.hash, ['erasure-id', productId, requestId]).slice(0, 32)}`;
}

/** Keyed, so the fingerprint of a request cannot be used to guess the subject it named. */
export function requestFingerprint(keys: SubjectKeys, request: CreateErasureRequest): string {
  const canonical = [
    request.productId,
    request.requestId,
    ...subjectKinds.map((kind) => request[kind] ?? ''),
    request.from ? new Date(request.from).toISOString() : '',
    request.to ? new Date(request.to).toISOString() : '',
  ];
  return hmacHex(keys.hash, ['erasure-request', ...canonical]);
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url; the erasure id is the associated data, so a seal cannot be moved to another record. */
export function sealJson(keys: SubjectKeys, erasureId: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv);
  cipher.setAAD(Buffer.from(erasureId));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function unsealJson(keys: SubjectKeys, erasureId: string, sealed: string): unknown {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', keys.seal, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(erasureId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8'));
}

export function sealSubject(keys: SubjectKeys, erasureId: string, subject: ErasureSubject): string {
  return sealJson(keys, erasureId, subject);
}

export function unsealSubject(keys: SubjectKeys, erasureId: string, sealed: string): ErasureSubject {
  return erasureSubjectSchema.parse(unsealJson(keys, erasureId, sealed));
}

/** A keyed hash of a store reference, to recognise it again without keeping it. */
export function refHash(keys: SubjectKeys, erasureId: string, ref: string): string {
  return hmacHex(keys.hash, ['erasure-ref', erasureId, ref]).slice(0, 32);
}
