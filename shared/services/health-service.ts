// Health: each backing service answers a cheap call within a short time.
import type { Dependencies } from '../runtime/composition';

export interface Health {
  status: 'ok' | 'degraded';
  checks: Record<string, 'ok' | 'unreachable'>;
}

async function probe(call: () => Promise<unknown>): Promise<'ok' | 'unreachable'> {
  try {
    await Promise.race([call(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
    return 'ok';
  } catch {
    return 'unreachable';
  }
}

export async function checkHealth(deps: Pick<Dependencies, 'database' | 'blobService'>): Promise<Health> {
  const [cosmos, blob] = await Promise.all([probe(() => deps.database.read()), probe(() => deps.blobService.getContainerClient('screenshots').exists())]);
  const checks = { cosmos, blob };
  return { status: Object.values(checks).every((check) => check === 'ok') ? 'ok' : 'degraded', checks };
}
