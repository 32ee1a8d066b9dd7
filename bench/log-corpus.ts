// A deterministic, mixed log corpus for the masking benchmark: timestamps, trace ids, UUIDs, versions, SQL,
// stack frames and JSON lines, with personal data and secrets sprinkled in.
/** Deterministic PRNG (mulberry32), so every run masks the same corpus. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

let next = random(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const hex = (length: number): string => Array.from({ length }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');
const digits = (length: number): string => Array.from({ length }, () => Math.floor(next() * 10)).join('');
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const timestamp = (): string => new Date(1_716_200_000_000 + Math.floor(next() * 86_400_000)).toISOString();

// Lines without personal data: most of a real log.
const cleanLines: Array<() => string> = [
  () => `${timestamp()} INFO  [http] GET /api/v2/orders/${digits(6)}?page=${Math.floor(next() * 9)} 200 ${Math.floor(next() * 900)}ms traceId=${hex(32)} spanId=${hex(16)}`,
  () => `${timestamp()} DEBUG [cache] hit ratio 0.${digits(3)} for key product:${digits(5)} (${Math.floor(next() * 4000)} entries, ${Math.floor(next() * 64)}MB)`,
  () => `${timestamp()} WARN  [db] slow query took ${Math.floor(next() * 5000)}ms: SELECT id, status, total FROM orders WHERE customer_ref = $1 AND created_at > $2 LIMIT 50`,
  () => `${timestamp()} INFO  [app] started version 4.${Math.floor(next() * 30)}.${Math.floor(next() * 10)} build ${hex(7)} on node v20.19.1 (pid ${digits(5)})`,
  () => `${timestamp()} ERROR [worker] job ${uuid()} failed after 3 attempts: TimeoutError: operation timed out after 30000ms`,
  () => `    at OrderService.process (/app/dist/services/order-service.js:${Math.floor(next() * 400)}:${Math.floor(next() * 80)})`,
  () => `${timestamp()} INFO  [ui] screen=Checkout step=payment duration=${Math.floor(next() * 3000)}ms fps=${Math.floor(next() * 60)} memory=${Math.floor(next() * 512)}MB`,
  () => `{"level":"info","time":"${timestamp()}","msg":"request completed","route":"/api/cart","status":200,"durationMs":${Math.floor(next() * 400)},"requestId":"${uuid()}"}`,
  () => `${timestamp()} INFO  [sync] uploaded ${Math.floor(next() * 200)} items in batch ${digits(8)} (order ORD-2024-${digits(6)}), next sync in 300s`,
  () => `${timestamp()} DEBUG [net] POST https://api.example.com/v1/events -> 202 Accepted (${Math.floor(next() * 2000)} bytes, gzip, h2)`,
];

// Lines with personal data or secrets, about one in eight lines.
const sensitiveLines: Array<() => string> = [
  () => `${timestamp()} INFO  [auth] login succeeded for user${digits(3)}@example.com from 203.0.113.${Math.floor(next() * 255)}`,
  () => `${timestamp()} DEBUG [http] Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIke${hex(20)}In0.${hex(43)}`,
  () => `${timestamp()} WARN  [payment] card 4111 1111 1111 1111 declined, contact +1 415 555 ${digits(4)}`,
  () => `${timestamp()} DEBUG [config] db connection postgres://app:${hex(12)}@db.internal:5432/orders?sslmode=require`,
  () => `{"level":"debug","msg":"outgoing request","headers":{"x-api-key":"${hex(32)}","accept":"application/json"},"url":"https://api.example.com/x?access_token=${hex(24)}"}`,
  () => `${timestamp()} INFO  [profile] updated phone (415) 555-${digits(4)} and iban DE89 3704 0044 0532 0130 00`,
  () => `${timestamp()} ERROR [deploy] token ghp_${hex(36)} rejected; fallback to AKIA${'ABCDEFGHIJKLMNOP'}`,
];

/** About one line in eight carries personal data or a secret; the rest is what logs mostly are. */
export function buildLogCorpus(targetBytes: number, seed = 42): string[] {
  next = random(seed);
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const line = next() < 0.125 ? pick(sensitiveLines)() : pick(cleanLines)();
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
  }
  return lines;
}

