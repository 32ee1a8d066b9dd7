// A debug session targeting one device, and the ingest token that device gets from the config poll.
import { randomUUID } from 'node:crypto';
import type { TestHost } from './test-host';

export interface DeviceSession {
  sessionId: string;
  deviceId: string;
  ingestToken: string;
  /** Headers a device sends on its session calls. */
  deviceHeaders: Record<string, string>;
}

/** `userToken` makes the poll carry the signed-in user, which a session targeting a user needs to match. */
export async function openDeviceSession(host: TestHost, admin: string, body: Record<string, unknown> = {}, userToken?: string): Promise<DeviceSession> {
  const deviceId = `dev-${randomUUID().slice(0, 8)}`;
  const created = await host.call('POST', '/api/diagnostics/sessions', {
    body: { productId: 'demo', targetDeviceId: deviceId, userConsent: 'pre_consent', capture: { screenshots: true }, ...body },
    headers: { authorization: `Bearer ${admin}` },
  });
  if (created.status !== 201) throw new Error(`session create answered ${created.status}: ${await created.text()}`);
  const session = (await created.json()) as { id: string };
  const pollHeaders: Record<string, string> = { 'x-diagnostics-key': host.productKey() };
  if (userToken) pollHeaders.authorization = `Bearer ${userToken}`;
  const polled = await host.call('GET', `/api/diagnostics/config?deviceId=${deviceId}`, { headers: pollHeaders });
  const config = (await polled.json()) as { session?: { id: string; ingestToken: string } };
  if (config.session?.id !== session.id) throw new Error('the config poll did not return the new session');
  const ingestToken = config.session.ingestToken;
  return {
    sessionId: session.id,
    deviceId,
    ingestToken,
    deviceHeaders: { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${ingestToken}` },
  };
}
