// Cosmos DB for NoSQL: the account (Entra ID only), the database and every container of
// shared/adapters/cosmos/containers.ts with its partition key, TTL and an indexing policy tuned for our
// queries (cosmos-containers.json; test/deploy checks it against the code).
param namePrefix string
param location string
param suffix string

@description('serverless: pay per RU, no capacity planning (up to 5,000 RU/s per container burst). autoscale: shared database throughput that scales between 10% and the maximum.')
@allowed([ 'serverless', 'autoscale' ])
param capacityMode string = 'serverless'

@description('Maximum RU/s of the database when capacityMode is autoscale (shared by all containers).')
@minValue(1000)
param autoscaleMaxThroughput int = 4000

param databaseName string = 'diagnostics'

@description('Adds the delete-by-partition-key capability; set COSMOS_PARTITION_KEY_DELETE=true with it so erasure uses it (docs/privacy.md).')
param partitionKeyDelete bool = false

var containerSpecs = loadJsonContent('cosmos-containers.json')

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: take(toLower('${namePrefix}-cosmos-${suffix}'), 44)
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      { locationName: location, failoverPriority: 0, isZoneRedundant: false }
    ]
    capabilities: concat(capacityMode == 'serverless' ? [ { name: 'EnableServerless' } ] : [], partitionKeyDelete ? [ { name: 'DeleteAllItemsByPartitionKey' } ] : [])
    // Point-in-time restore for 7 days: what an erasure deletes stays restorable by an operator this long, and its
    // certificate says so (COSMOS_BACKUP_RETENTION_DAYS, docs/privacy.md).
    backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous7Days' } }
    // Keys off: the app reaches Cosmos only as its managed identity (sqlRoleAssignments in role-assignments.bicep).
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: capacityMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for spec in containerSpecs: {
  parent: database
  name: spec.id
  properties: {
    resource: {
      id: spec.id
      partitionKey: { paths: [ spec.partitionKeyPath ], kind: 'Hash', version: 2 }
      defaultTtl: spec.defaultTtl
      indexingPolicy: spec.indexingPolicy
    }
  }
}]

output accountName string = account.name
output accountId string = account.id
output COSMOS_ENDPOINT string = account.properties.documentEndpoint
output COSMOS_DATABASE string = database.name
