// A fleet of devices, each with its own live session and the ingest token its config poll handed it,
// set up through the API as real devices would be. Many devices, because each may send 100 batches/min.
import { adminToken, createSession, pollConfig } from './api';

export interface BenchDevice {
  deviceId: string;
  sessionId: string;
  ingestToken: string;
}

const SETUP_CONCURRENCY = 8;

export async function openDevices(baseUrl: string, count: number, prefix: string): Promise<BenchDevice[]> {
  const admin = await adminToken();
  const devices: BenchDevice[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const deviceId = `${prefix}-${next++}`;
      const session = await createSession(baseUrl, admin, {
        targetDeviceId: deviceId,
        userConsent: 'pre_consent',
        collectionLevel: 'trace',
        capture: { logs: true, traces: true, breadcrumbs: true, network: true },
      });
      const polled = await pollConfig(baseUrl, { deviceId });
      if (polled.config.session?.id !== session.id) throw new Error(`device ${deviceId} was not handed its session`);
      devices.push({ deviceId, sessionId: session.id, ingestToken: polled.config.session.ingestToken });
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  return devices;
}
