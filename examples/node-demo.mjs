#!/usr/bin/env node
// A small Node app with the diagnostics SDK embedded, to run against `npm start` and watch the whole flow:
// the app polls, an admin switches a session on for this one device, the app's logs, traces, failing
// requests, errors and a screenshot arrive masked, and the admin reads them back.
//
//   npm start                                   # in one terminal; it prints the ingest key and an admin token
//   DIAGNOSTICS_KEY=dk_demo_... ADMIN_TOKEN=eyJ... node examples/node-demo.mjs
//
// Without ADMIN_TOKEN the demo prints the request an admin would send and waits for a session to appear.
import { randomUUID } from 'node:crypto';
import { DiagnosticsClient } from '../sdk/dist/index.js';

const endpoint = (process.env.DIAGNOSTICS_URL ?? 'http://127.0.0.1:7071').replace(/\/+$/, '');
const productKey = process.env.DIAGNOSTICS_KEY;
const adminToken = process.env.ADMIN_TOKEN;
const deviceId = process.env.DEVICE_ID ?? `demo-device-${randomUUID().slice(0, 8)}`;
const waitForSessionInMs = Number(process.env.WAIT_SECONDS ?? 120) * 1000;

if (!productKey) {
  console.error('Set DIAGNOSTICS_KEY to the product ingest key `npm start` printed (dk_demo_...).');
  process.exit(2);
}

const say = (message) => process.stdout.write(`[demo] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// A 1x1 PNG standing in for a real screen capture (a browser app would bring a canvas-based capturer).
const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const diagnostics = new DiagnosticsClient({
  endpoint,
  productKey,
  deviceId,
  appVersion: '1.0.0-demo',
  onConsentRequest: ({ sessionId, collectionLevel }) => {
    say(`session ${sessionId} asks to collect at level "${collectionLevel}": the user says yes`);
    return true;
  },
  captureScreenshot: () => ({ data: new Uint8Array(onePixelPng), format: 'png', width: 1, height: 1 }),
  network: { exclude: ['/health'] },
  onError: (error) => say(`(sdk) ${error.message}`),
});

async function admin(method, path, body) {
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  say(`device ${deviceId} starts the SDK against ${endpoint}`);
  await diagnostics.start();
  say(`session active? ${diagnostics.isSessionActive()} (nothing is captured or sent until an admin targets this device)`);
  diagnostics.breadcrumb('opened the checkout screen', 'navigation');

  const sessionRequest = {
    productId: 'demo',
    targetDeviceId: deviceId,
    collectionLevel: 'debug',
    maxDurationMinutes: 15,
    userConsent: 'prompt',
    capture: { network: true, console: true, screenshotOnError: true },
  };
  let sessionId;
  if (adminToken) {
    const session = await admin('POST', '/api/diagnostics/sessions', sessionRequest);
    sessionId = session.id;
    say(`admin created session ${sessionId} targeting this device`);
  } else {
    say('as an admin, switch diagnostics on for this device:');
    say(
      `  curl -X POST ${endpoint}/api/diagnostics/sessions -H "authorization: Bearer $ADMIN_TOKEN" -H "content-type: application/json" -d '${JSON.stringify(sessionRequest)}'`,
    );
  }

  // The SDK polls on the server's interval; refresh() asks early, but never sooner than the server allows.
  const deadline = Date.now() + waitForSessionInMs;
  while (!diagnostics.isSessionActive() && Date.now() < deadline) {
    await sleep(1000);
    await diagnostics.refresh();
  }
  if (!diagnostics.isSessionActive()) {
    say('no session arrived; stopping');
    await diagnostics.stop();
    return;
  }
  sessionId = diagnostics.sessionId;
  say(`session ${sessionId} picked up; the breadcrumb from before it goes along`);

  diagnostics.log('info', 'checkout started for jane.doe@example.com', { cartItems: 3, coupon: 'WELCOME10' });
  console.warn('payment form slow to render (console capture at debug level)');
  await diagnostics
    .trace('submit order', async (span) => {
      span.setAttribute('order.id', 'ORD-1042');
      // Nothing listens on port 9: a failing request, captured with timing and without its auth header.
      await fetch('http://127.0.0.1:9/api/orders', { method: 'POST', headers: { authorization: 'Bearer app-secret' }, body: '{"card":"4111 1111 1111 1111"}' });
    })
    .catch((error) => say(`the order request failed as planned: ${error.message}`));
  diagnostics.captureError(new Error('payment declined, api_key=sk_live_51HxDemoSecretKey00000000'));
  await sleep(1500);
  await diagnostics.flush();
  const stats = diagnostics.getStats();
  say(`sent ${stats.sentItems} items, ${stats.screenshotsUploaded} screenshot(s), dropped ${stats.droppedItems}`);

  if (adminToken) {
    const session = await admin('GET', `/api/diagnostics/sessions/${sessionId}`);
    say(`the admin sees the session stats: ${JSON.stringify(session.stats)}`);
    for (const [label, path] of [
      ['logs', `/api/diagnostics/sessions/${sessionId}/logs`],
      ['timeline', `/api/diagnostics/sessions/${sessionId}/timeline`],
    ]) {
      try {
        const page = await admin('GET', path);
        say(`${label} (masked on the server):`);
        for (const item of (page.items ?? []).slice(0, 12))
          say(`  ${item.docType ?? item.kind ?? ''} ${item.level ?? ''} ${item.message ?? item.name ?? item.url ?? ''}`);
      } catch (error) {
        say(`${label}: ${error.message}`);
      }
    }
  }
  await diagnostics.stop();
  say('done');
}

main().catch(async (error) => {
  say(`failed: ${error.message}`);
  await diagnostics.stop();
  process.exitCode = 1;
});
