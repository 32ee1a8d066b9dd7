// Builds the Cosmos client once: key auth only against the local emulator, managed identity in Azure.
import { Agent } from 'node:https';
import { CosmosClient, type Database } from '@azure/cosmos';
import type { TokenCredential } from '@azure/identity';
import { containerDefinitions, partitionKeyScheme } from './containers';

export interface CosmosConnection {
  endpoint: string;
  database: string;
  key?: string;
  credential?: TokenCredential;
  /** The emulator serves a self-signed certificate. */
  allowSelfSignedCertificate?: boolean;
}

export function createCosmosDatabase(connection: CosmosConnection): Database {
  const client = new CosmosClient({
    endpoint: connection.endpoint,
    ...(connection.key ? { key: connection.key } : { aadCredentials: connection.credential }),
    ...(connection.allowSelfSignedCertificate ? { agent: new Agent({ rejectUnauthorized: false, keepAlive: true }) } : {}),
    connectionPolicy: { enableEndpointDiscovery: !connection.allowSelfSignedCertificate },
  });
  return client.database(connection.database);
}

/** Local mode only: in Azure, Bicep declares the database and containers. */
export async function ensureContainers(database: Database): Promise<void> {
  await database.client.databases.createIfNotExists({ id: database.id });
  for (const definition of Object.values(containerDefinitions)) {
    await database.containers.createIfNotExists({
      id: definition.id,
      partitionKey: { paths: [definition.partitionKeyPath], ...partitionKeyScheme },
      defaultTtl: definition.defaultTtlInSeconds,
    });
  }
}
