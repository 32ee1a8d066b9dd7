// `npm start`: the embedded backends, then the local Functions host on 127.0.0.1:7071 (PORT overrides).
import path from 'node:path';
import { productIngestKey } from '../shared/domain/devices/credentials';
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, COSMOS_EMULATOR_KEY, startAzurite, startCosmos } from './backends';
import { startLocalHost } from './host';
import { DEMO_PRODUCT_ID, LOCAL_DEV_SECRETS, localEnvironment } from './local-settings';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 7071);
  const dataDirectory = path.resolve(process.env.DATA_DIR ?? '.data');
  const cosmos = await startCosmos(Number(process.env.COSMOS_PORT ?? 0));
  const azurite = await startAzurite({ port: Number(process.env.AZURITE_PORT ?? 0), location: path.join(dataDirectory, 'azurite') });
  const publicBaseUrl = process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`;
  const environment = localEnvironment(
    { cosmosEndpoint: cosmos.endpoint, cosmosKey: COSMOS_EMULATOR_KEY, blobEndpoint: azurite.endpoint, blobAccountName: AZURITE_ACCOUNT_NAME, blobAccountKey: AZURITE_ACCOUNT_KEY, publicBaseUrl },
    process.env,
  );
  const host = await startLocalHost({ port, environment, runTimers: true });
  const settings = host.deps.settings;
  const adminToken = await signLocalToken(
    { issuer: settings.AUTH_ISSUER, audience: settings.AUTH_AUDIENCE, rolesClaim: settings.AUTH_ROLES_CLAIM, productsClaim: settings.AUTH_PRODUCTS_CLAIM, localSecret: settings.AUTH_LOCAL_SECRET },
    { subject: 'local-admin', roles: ['admin'], products: [DEMO_PRODUCT_ID], expiresInSeconds: 12 * 3600 },
  );
  console.log(`Diagnostics local host listening on ${host.url}/api`);
  console.log(`  Dashboard: ${host.url}/ (local dev sign-in)`);
  console.log(`  Cosmos (embedded, in memory): ${cosmos.endpoint}`);
  console.log(`  Blob (Azurite, ${path.join(dataDirectory, 'azurite')}): ${azurite.endpoint}`);
  console.log(`  Service Bus: in-process delivery`);
  console.log(`  Product "${DEMO_PRODUCT_ID}" ingest key: ${productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, DEMO_PRODUCT_ID)}`);
  console.log(`  Admin token (12 h): ${adminToken}`);

  const shutdown = async () => {
    await host.close();
    await Promise.all([cosmos.close(), azurite.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
