// The Function App on Flex Consumption (Node 20), running as the user-assigned identity, with app settings
// wired from the other modules' outputs. Every setting shared/config/settings.ts needs in azure mode is
// set here (baseSettings) or is a Key Vault reference (secretSettingNames); test/deploy checks this.
param namePrefix string
param location string
param suffix string

param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param keyVaultName string

@description('App settings held in Key Vault, read through Key Vault references as the identity.')
param secretSettingNames array

param publicBaseUrl string
param cosmosEndpoint string
param cosmosDatabase string
param storageBlobEndpoint string
param serviceBusNamespace string
param serviceBusTopic string
param authIssuer string
param authAudience string
param authJwksUrl string
param authRolesClaim string
param authProductsClaim string
param rateLimitSessionCreatesPerHour int
param rateLimitConfigPollIntervalSeconds int
param configIndexRefreshMs int
param telemetryDisabled bool

@description('Optional settings by app setting name (names in optionalSettingNames); absent or empty ones fall back to the app default.')
param optionalSettings object = {}

param maximumInstanceCount int = 100
@allowed([ 512, 2048, 4096 ])
param instanceMemoryMB int = 2048

// Settings the app reads with a default or as optional (see shared/config/settings.ts).
var optionalSettingNames = [
  'RATE_LIMIT_INGEST_BATCHES_PER_MINUTE'
  'INGEST_REGION_HEADER'
  'INGEST_SESSION_CACHE_MS'
  'INGEST_STATS_FLUSH_MS'
  'SIGNALS_GROUP_COMMIT_MS'
  'SCREENSHOT_UPLOAD_LINK_MINUTES'
  'SCREENSHOT_READ_LINK_MINUTES'
  'REPORT_LINK_MINUTES'
  'EXPORT_LINK_MINUTES'
  'OUTBOX_PREPARED_GRACE_SECONDS'
  'NOTIFICATION_ROUTING'
  'NOTIFICATION_THROTTLE_WINDOW_SECONDS'
  'NOTIFICATION_ONCALL_EMAILS'
  'NOTIFICATION_HTTP_TIMEOUT_MS'
  'BLOB_TRY_TIMEOUT_MS'
  'BLOB_MAX_TRIES'
  'BLOB_DEADLINE_MS'
  'PRODUCT_DIRECTORY'
  'PAGERDUTY_EVENTS_URL'
  'ACS_ENDPOINT'
  'ACS_SENDER_ADDRESS'
  'TICKET_PROVIDER'
  'GITHUB_API_URL'
  'GITHUB_REPOSITORY'
  'JIRA_BASE_URL'
  'JIRA_EMAIL'
  'JIRA_PROJECT_KEY'
  'JIRA_ISSUE_TYPE'
  'ADO_ORGANIZATION_URL'
  'ADO_PROJECT'
  'ADO_WORK_ITEM_TYPE'
  // The dashboard's Entra ID sign-in (docs/dashboard.md): the SPA registration, its authority, the API scope.
  'DASHBOARD_CLIENT_ID'
  'DASHBOARD_AUTHORITY'
  'DASHBOARD_API_SCOPE'
  'TAIL_POLL_INTERVAL_MS'
  'TAIL_MAX_STREAM_SECONDS'
  'TAIL_HEARTBEAT_SECONDS'
  'TAIL_SETTLE_MS'
  'TAIL_MAX_STREAMS_PER_CALLER'
  'TAIL_MAX_STREAMS_PER_PRODUCT'
  'PATTERN_HOOK_CACHE_MS'
  // Per-user erasure (docs/privacy.md): the partition-key delete capability, and the windows certificates state.
  'COSMOS_PARTITION_KEY_DELETE'
  'COSMOS_BACKUP_RETENTION_DAYS'
  'BLOB_SOFT_DELETE_DAYS'
]

var baseSettings = [
  // Host storage through the identity (Flex Consumption has no connection-string option worth keeping).
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  // Service Bus trigger connection `SERVICEBUS` (EVENTS_CONNECTION in shared/runtime/topic-subscriber.ts).
  { name: 'SERVICEBUS__fullyQualifiedNamespace', value: serviceBusNamespace }
  { name: 'SERVICEBUS__credential', value: 'managedidentity' }
  { name: 'SERVICEBUS__clientId', value: identityClientId }
  // DefaultAzureCredential picks the user-assigned identity by this client id.
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  // The dashboard answers at the site root (host.json routePrefix ""), not the host's default page.
  { name: 'AzureWebJobsDisableHomepage', value: 'true' }
  { name: 'DIAGNOSTICS_MODE', value: 'azure' }
  { name: 'PUBLIC_BASE_URL', value: publicBaseUrl }
  { name: 'COSMOS_ENDPOINT', value: cosmosEndpoint }
  { name: 'COSMOS_DATABASE', value: cosmosDatabase }
  { name: 'STORAGE_BLOB_ENDPOINT', value: storageBlobEndpoint }
  { name: 'SERVICEBUS_FULLY_QUALIFIED_NAMESPACE', value: serviceBusNamespace }
  { name: 'SERVICEBUS_TOPIC', value: serviceBusTopic }
  { name: 'AUTH_ISSUER', value: authIssuer }
  { name: 'AUTH_AUDIENCE', value: authAudience }
  { name: 'AUTH_JWKS_URL', value: authJwksUrl }
  { name: 'AUTH_ROLES_CLAIM', value: authRolesClaim }
  { name: 'AUTH_PRODUCTS_CLAIM', value: authProductsClaim }
  { name: 'RATE_LIMIT_SESSION_CREATES_PER_HOUR', value: string(rateLimitSessionCreatesPerHour) }
  { name: 'RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS', value: string(rateLimitConfigPollIntervalSeconds) }
  { name: 'CONFIG_INDEX_REFRESH_MS', value: string(configIndexRefreshMs) }
  { name: 'TELEMETRY_DISABLED', value: telemetryDisabled ? 'true' : 'false' }
]

var optionalEntries = map(filter(optionalSettingNames, name => !empty(string(optionalSettings[?name] ?? ''))), name => {
  name: name
  value: string(optionalSettings[name])
})

var secretEntries = map(secretSettingNames, name => {
  name: name
  value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${replace(name, '_', '-')})'
})

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: '${namePrefix}-func-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve as the user-assigned identity (the default would be a system identity).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(baseSettings, optionalEntries, secretEntries)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '20' }
    }
  }
}

output functionAppName string = site.name
output defaultHostName string = site.properties.defaultHostName
