// `npm start`: the embedded backends, then the local Functions host on 127.0.0.1:7071 (PORT overrides).
// `npm start -- --fresh` deletes what DATA_DIR holds first. See docs/local-mode.md for what survives a restart.
import path from 'node:path';
import { productIngestKey } from '../shared/domain/devices/credentials';
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { DEMO_PRODUCT_ID, LOCAL_DEV_SECRETS, withDevSensitive } from './local-settings';
import { DEFAULT_AZURITE_PORT, startLocalStack } from './stack';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 7071);
  const dataDirectory = path.resolve(process.env.DATA_DIR ?? '.data');
  const fresh = process.argv.includes('--fresh');
  const stack = await startLocalStack({
    dataDirectory,
    port,
    cosmosPort: Number(process.env.COSMOS_PORT ?? 0),
    azuritePort: Number(process.env.AZURITE_PORT ?? DEFAULT_AZURITE_PORT),
    fresh,
    environment: process.env,
  });
  const { host, cosmos, azurite } = stack;
  const settings = host.deps.settings;
  const adminToken = await signLocalToken(
    {
      issuer: settings.AUTH_ISSUER,
      audience: settings.AUTH_AUDIENCE,
      rolesClaim: settings.AUTH_ROLES_CLAIM,
      productsClaim: settings.AUTH_PRODUCTS_CLAIM,
      localSecret: settings.AUTH_LOCAL_SECRET,
    },
    { subject: 'local-admin', roles: withDevSensitive(['admin']), products: [DEMO_PRODUCT_ID], expiresInSeconds: 12 * 3600 },
  );
  const restored = cosmos.restored ? `restored ${cosmos.restored.documents} documents` : fresh ? 'started empty (--fresh)' : 'no snapshot yet, started empty';
  console.log(`Diagnostics local host listening on ${host.url}/api`);
  console.log(`  Dashboard: ${host.url}/ (local dev sign-in)`);
  console.log(`  Cosmos (embedded, snapshot ${stack.cosmosSnapshot}, ${restored}): ${cosmos.endpoint}`);
  console.log(`  Blob (Azurite, ${azurite.location}): ${azurite.endpoint}`);
  console.log(`  Service Bus: in-process delivery`);
  console.log(`  Product "${DEMO_PRODUCT_ID}" ingest key: ${productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, DEMO_PRODUCT_ID)}`);
  console.log(`  Admin token (12 h): ${adminToken}`);
  if (port !== 7071) console.log(`  The demo and CLI: export DIAGNOSTICS_URL=${host.url}`);

  const shutdown = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
