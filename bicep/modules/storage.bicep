// The storage account: Functions deployment package and host state, and the app's blob containers,
// reached only with Entra ID (shared keys off), with lifecycle rules deleting blobs when retention ends.
param namePrefix string
param location string
param suffix string

@description('Blob container holding the Flex Consumption deployment package.')
param deploymentContainerName string = 'app-package'

// name and days must match blobContainers / blobRetentionInDays in shared/adapters/blob/blob-clients.ts (test/deploy checks).
var appContainers = [
  { name: 'screenshots', retentionDays: 7 }
  { name: 'reports', retentionDays: 30 }
  { name: 'exports', retentionDays: 7 }
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(toLower(replace('${namePrefix}st${suffix}', '-', '')), 24)
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // Soft delete: erased blobs stay restorable this long; erasure certificates state it (BLOB_SOFT_DELETE_DAYS).
    deleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for spec in appContainers: {
  parent: blobService
  name: spec.name
  properties: { publicAccess: 'None' }
}]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [for spec in appContainers: {
        name: 'delete-${spec.name}-after-${spec.retentionDays}-days'
        enabled: true
        type: 'Lifecycle'
        definition: {
          filters: {
            blobTypes: [ 'blockBlob' ]
            prefixMatch: [ '${spec.name}/' ]
          }
          actions: {
            baseBlob: { delete: { daysAfterModificationGreaterThan: spec.retentionDays } }
          }
        }
      }]
    }
  }
  dependsOn: [ containers ]
}

output storageAccountName string = account.name
output storageAccountId string = account.id
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
output STORAGE_BLOB_ENDPOINT string = account.properties.primaryEndpoints.blob
