// Report generation time for sessions of 1k, 10k and 50k logs (with a fifth as many spans): seeds each session
// into the embedded Cosmos as ingest would store it (masked), then times POST /sessions/{id}/report on the local
// host, end to end (parallel reads, build, final masking, HTML, two blob uploads, record, event).
// Run alone: `npx vite-node bench/report-generation.ts [-- --quick] [-- --sizes=1000,10000]`; the bench runner imports `benchReportGeneration`.
import { startLocalHost } from '../local-host/host';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, COSMOS_EMULATOR_KEY, startAzurite, startCosmos } from '../local-host/backends';
import { DEMO_PRODUCT_ID, LOCAL_DEV_SECRETS, localEnvironment, withDevSensitive } from '../local-host/local-settings';
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { loadMaskingEngine } from '../shared/config/masking-rules';
import { generateSessionItems, storedDocs } from '../test/support/session-items';

export interface ReportGenerationRow {
  logs: number;
  spans: number;
  runs: number[];
  medianMs: number;
  serverMs: number;
  seedSeconds: number;
  htmlBytes: number;
  /** Why this size has no figure (e.g. the emulator timed out); the other sizes still run. */
  failure?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchReportGeneration(options: { quick?: boolean; sizes?: number[]; log?: (line: string) => void } = {}): Promise<ReportGenerationRow[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sizes = options.sizes ?? (options.quick ? [1_000, 10_000] : [1_000, 10_000, 50_000]);
  const runsPerSize = options.quick ? 1 : 3;
  const [cosmos, azurite] = await Promise.all([startCosmos(0), startAzurite({})]);
  const environment = localEnvironment(
    {
      cosmosEndpoint: cosmos.endpoint,
      cosmosKey: COSMOS_EMULATOR_KEY,
      blobEndpoint: azurite.endpoint,
      blobAccountName: AZURITE_ACCOUNT_NAME,
      blobAccountKey: AZURITE_ACCOUNT_KEY,
      publicBaseUrl: 'http://127.0.0.1:0',
    },
    { COSMOS_DATABASE: 'bench-reports', RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' },
  );
  const host = await startLocalHost({ port: 0, environment, runTimers: false, log: () => undefined });
  const settings = host.deps.settings;
  const tokenSettings = {
    issuer: settings.AUTH_ISSUER,
    audience: settings.AUTH_AUDIENCE,
    rolesClaim: settings.AUTH_ROLES_CLAIM,
    productsClaim: settings.AUTH_PRODUCTS_CLAIM,
    localSecret: LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
  };
  const rows: ReportGenerationRow[] = [];
  try {
    for (const logs of sizes) {
      const spans = logs / 5;
      const admin = await signLocalToken(tokenSettings, { subject: `bench-admin-${logs}`, roles: withDevSensitive(['admin']), products: [DEMO_PRODUCT_ID] });
      const created = await fetch(`${host.url}/api/diagnostics/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          productId: DEMO_PRODUCT_ID,
          targetDeviceId: `bench-${logs}`,
          userConsent: 'pre_consent',
          capture: { network: true, screenshots: true },
        }),
      });
      const sessionId = ((await created.json()) as { id: string }).id;
      const seedStarted = Date.now();
      const docs = storedDocs(generateSessionItems({ logs, spans, plantSecrets: true }).items, { productId: DEMO_PRODUCT_ID, sessionId }, loadMaskingEngine());
      const key = { productId: DEMO_PRODUCT_ID, sessionId };
      for (let start = 0; start < docs.logs.length; start += 5_000) await host.deps.stores.telemetry.upsertLogs(key, docs.logs.slice(start, start + 5_000));
      for (let start = 0; start < docs.spans.length; start += 5_000) await host.deps.stores.telemetry.upsertSpans(key, docs.spans.slice(start, start + 5_000));
      const seedSeconds = (Date.now() - seedStarted) / 1000;
      log(`  seeded ${docs.logs.length} log documents (${logs} logs + breadcrumbs + network) and ${docs.spans.length} spans in ${seedSeconds.toFixed(1)} s`);

      const runs: number[] = [];
      let serverMs = 0;
      let htmlBytes = 0;
      for (let run = 0; run < runsPerSize; run++) {
        const engineer = await signLocalToken(tokenSettings, {
          subject: `bench-engineer-${logs}-${run}`,
          roles: withDevSensitive(['engineer']),
          products: [DEMO_PRODUCT_ID],
        });
        const started = performance.now();
        const response = await fetch(`${host.url}/api/diagnostics/sessions/${sessionId}/report`, {
          method: 'POST',
          headers: { authorization: `Bearer ${engineer}` },
        });
        const body = (await response.json()) as { record?: { generateMs: number; sizes: { htmlBytes: number } } };
        const elapsed = performance.now() - started;
        if (response.status !== 201 || !body.record) {
          const failure = `report for ${logs} logs answered ${response.status} after ${(elapsed / 1000).toFixed(0)} s`;
          log(`  ${failure}`);
          rows.push({ logs, spans, runs, medianMs: Number.NaN, serverMs: Number.NaN, seedSeconds, htmlBytes: 0, failure });
          break;
        }
        runs.push(Math.round(elapsed));
        serverMs = body.record.generateMs;
        htmlBytes = body.record.sizes.htmlBytes;
        log(
          `  ${logs} logs / ${spans} spans: report in ${elapsed.toFixed(0)} ms (server ${body.record.generateMs} ms, HTML ${(htmlBytes / 1024).toFixed(0)} KiB)`,
        );
      }
      if (runs.length === runsPerSize) rows.push({ logs, spans, runs, medianMs: median(runs), serverMs, seedSeconds, htmlBytes });
    }
  } finally {
    await host.close();
    await Promise.all([cosmos.close(), azurite.close()]);
  }
  return rows;
}

// Run directly (node or vite-node), not when the bench runner imports it.
if (require.main === module || /vite-node$/.test(process.argv[1] ?? '')) {
  const sizes = process.argv
    .find((arg) => arg.startsWith('--sizes='))
    ?.slice('--sizes='.length)
    .split(',')
    .map(Number);
  benchReportGeneration({ quick: process.argv.includes('--quick'), sizes })
    .then((rows) => {
      console.log('\n| logs | spans | median report time | runs (ms) |\n| --- | --- | --- | --- |');
      for (const row of rows)
        console.log(`| ${row.logs} | ${row.spans} | ${row.failure ?? `${(row.medianMs / 1000).toFixed(2)} s`} | ${row.runs.join(', ')} |`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exitCode = 1;
    });
}
