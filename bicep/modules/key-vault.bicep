// Key Vault for the app's secrets (ingest key secret, webhook URLs, ticket tokens): RBAC only, and the
// Function App reads them as Key Vault references, so no secret value sits in its app settings.
param namePrefix string
param location string
param suffix string

@description('App setting names to store; each becomes the secret of the same name with _ replaced by -.')
param secretSettingNames array

@secure()
@description('Values by app setting name; must hold every name in secretSettingNames.')
param secretSettingValues object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${namePrefix}-kv-${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for name in secretSettingNames: {
  parent: vault
  name: replace(name, '_', '-')
  properties: {
    value: secretSettingValues[name]
    contentType: 'text/plain'
  }
}]

output keyVaultName string = vault.name
output keyVaultId string = vault.id
