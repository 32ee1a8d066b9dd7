// Health: each backing store answers a cheap call within a short time.
import type { HealthProbe, Reachability } from '../ports/health-probe';

export interface Health {
  status: 'ok' | 'degraded';
  checks: Record<string, Reachability>;
}

export async function checkHealth(probe: HealthProbe): Promise<Health> {
  const checks = await probe.check();
  return { status: Object.values(checks).every((check) => check === 'ok') ? 'ok' : 'degraded', checks };
}
