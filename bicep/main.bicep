// Deployment of the diagnostics Functions app into one resource group (README "Deploying to Azure"):
// az deployment group create -g <rg> -f bicep/main.bicep -p authAudience=api://<app-id> ingestKeySecret=<secret>
// Every connection is identity-based; secrets live in Key Vault; outputs are named after the app settings they feed.
targetScope = 'resourceGroup'

@description('Name prefix for every resource (lowercase letters and digits).')
@minLength(2)
@maxLength(8)
param namePrefix string = 'diag'

@description('Azure region.')
param location string = resourceGroup().location

@description('Cosmos DB capacity: serverless (pay per request) or autoscale (shared database throughput).')
@allowed([ 'serverless', 'autoscale' ])
param cosmosCapacityMode string = 'serverless'

@description('Maximum RU/s when cosmosCapacityMode is autoscale.')
param cosmosAutoscaleMaxThroughput int = 4000

@description('Entra ID token issuer the admin API accepts.')
param authIssuer string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

@description('Audience (application ID URI) of the admin API app registration, e.g. api://<client-id>.')
param authAudience string

@description('JWKS of the issuer.')
param authJwksUrl string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'

param authRolesClaim string = 'roles'
param authProductsClaim string = 'products'

@secure()
@minLength(32)
@description('Secret from which product ingest keys and device tokens are derived. Keep it: changing it invalidates every product key.')
param ingestKeySecret string

@secure()
@description('Optional secrets by app setting name (names in optionalSecretSettingNames), e.g. {"SLACK_WEBHOOK_URL": "...", "GITHUB_TOKEN": "..."}. Stored in Key Vault.')
param secretSettingValues object = {}

@description('Optional non-secret settings by app setting name, e.g. {"TICKET_PROVIDER": "github", "GITHUB_REPOSITORY": "org/repo"} (see modules/function-app.bicep optionalSettingNames).')
param optionalSettings object = {}

param rateLimitSessionCreatesPerHour int = 10
param rateLimitConfigPollIntervalSeconds int = 5
param configIndexRefreshMs int = 1000
param telemetryDisabled bool = false

@description('Flex Consumption scale-out ceiling.')
param functionMaximumInstanceCount int = 100

@description('Put API Management in front for rate limits that hold across instances.')
param deployApiManagement bool = false
param apimPublisherEmail string = 'ops@example.com'
param apimPublisherName string = 'Remote diagnostics'
param apimDeviceCallsPerMinute int = 60
param apimAdminCallsPerMinute int = 120

var suffix = uniqueString(resourceGroup().id, namePrefix)

// Secrets the app cannot start without: each has its own required parameter.
var requiredSecretSettings = {
  INGEST_KEY_SECRET: ingestKeySecret
}

// Secrets the app reads when their feature is configured: stored only when given a value.
var optionalSecretSettingNames = [
  'WEBHOOK_URL'
  'SLACK_WEBHOOK_URL'
  'TEAMS_WEBHOOK_URL'
  'PAGERDUTY_ROUTING_KEY'
  'WEBHOOK_SECRET'
  'ACS_ACCESS_KEY'
  'GITHUB_TOKEN'
  'JIRA_API_TOKEN'
  'ADO_TOKEN'
  // Per-user erasure's keyed hash (docs/privacy.md); unset, it is derived from INGEST_KEY_SECRET.
  'ERASURE_HASH_SECRET'
]

var storedOptionalSecretNames = filter(optionalSecretSettingNames, name => !empty(string(secretSettingValues[?name] ?? '')))
var secretSettingNames = concat([ 'INGEST_KEY_SECRET' ], storedOptionalSecretNames)

var functionAppName = '${namePrefix}-func-${suffix}'
var apimName = '${namePrefix}-apim-${suffix}'
var publicBaseUrl = deployApiManagement ? 'https://${apimName}.azure-api.net' : 'https://${functionAppName}.azurewebsites.net'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { namePrefix: namePrefix, location: location, suffix: suffix }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { namePrefix: namePrefix, location: location, suffix: suffix }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { namePrefix: namePrefix, location: location, suffix: suffix }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    namePrefix: namePrefix
    location: location
    suffix: suffix
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  params: { namePrefix: namePrefix, location: location, suffix: suffix }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    namePrefix: namePrefix
    location: location
    suffix: suffix
    secretSettingNames: secretSettingNames
    secretSettingValues: union(secretSettingValues, requiredSecretSettings)
  }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    principalId: identity.outputs.principalId
    cosmosAccountName: cosmos.outputs.accountName
    storageAccountName: storage.outputs.storageAccountName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    keyVaultName: keyVault.outputs.keyVaultName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    namePrefix: namePrefix
    location: location
    suffix: suffix
    identityId: identity.outputs.identityId
    identityClientId: identity.outputs.AZURE_CLIENT_ID
    storageAccountName: storage.outputs.storageAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.APPLICATIONINSIGHTS_CONNECTION_STRING
    keyVaultName: keyVault.outputs.keyVaultName
    secretSettingNames: secretSettingNames
    publicBaseUrl: publicBaseUrl
    cosmosEndpoint: cosmos.outputs.COSMOS_ENDPOINT
    cosmosDatabase: cosmos.outputs.COSMOS_DATABASE
    storageBlobEndpoint: storage.outputs.STORAGE_BLOB_ENDPOINT
    serviceBusNamespace: serviceBus.outputs.SERVICEBUS_FULLY_QUALIFIED_NAMESPACE
    serviceBusTopic: serviceBus.outputs.SERVICEBUS_TOPIC
    authIssuer: authIssuer
    authAudience: authAudience
    authJwksUrl: authJwksUrl
    authRolesClaim: authRolesClaim
    authProductsClaim: authProductsClaim
    rateLimitSessionCreatesPerHour: rateLimitSessionCreatesPerHour
    rateLimitConfigPollIntervalSeconds: rateLimitConfigPollIntervalSeconds
    configIndexRefreshMs: configIndexRefreshMs
    telemetryDisabled: telemetryDisabled
    optionalSettings: optionalSettings
    maximumInstanceCount: functionMaximumInstanceCount
  }
  // Key Vault references and host storage resolve as the identity: grant first.
  dependsOn: [ roles ]
}

module apiManagement 'modules/api-management.bicep' = if (deployApiManagement) {
  name: 'api-management'
  params: {
    namePrefix: namePrefix
    location: location
    suffix: suffix
    publisherEmail: apimPublisherEmail
    publisherName: apimPublisherName
    functionAppHostName: functionApp.outputs.defaultHostName
    deviceCallsPerMinute: apimDeviceCallsPerMinute
    adminCallsPerMinute: apimAdminCallsPerMinute
  }
}

output functionAppName string = functionApp.outputs.functionAppName
output PUBLIC_BASE_URL string = publicBaseUrl
output COSMOS_ENDPOINT string = cosmos.outputs.COSMOS_ENDPOINT
output COSMOS_DATABASE string = cosmos.outputs.COSMOS_DATABASE
output STORAGE_BLOB_ENDPOINT string = storage.outputs.STORAGE_BLOB_ENDPOINT
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.SERVICEBUS_FULLY_QUALIFIED_NAMESPACE
output SERVICEBUS_TOPIC string = serviceBus.outputs.SERVICEBUS_TOPIC
output AZURE_CLIENT_ID string = identity.outputs.AZURE_CLIENT_ID
output AUTH_ISSUER string = authIssuer
output AUTH_AUDIENCE string = authAudience
output AUTH_JWKS_URL string = authJwksUrl
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.APPLICATIONINSIGHTS_CONNECTION_STRING
output KEY_VAULT_NAME string = keyVault.outputs.keyVaultName
