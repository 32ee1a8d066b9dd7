// Log Analytics workspace and the workspace-based Application Insights component the app and host report to.
param namePrefix string
param location string
param suffix string

@description('Days Log Analytics keeps telemetry.')
param retentionInDays int = 30

@description('Daily ingestion cap in GB, so a noisy release cannot run up the bill.')
param dailyQuotaGb int = 2

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    workspaceCapping: { dailyQuotaGb: dailyQuotaGb }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Entra ID only: the app's managed identity needs Monitoring Metrics Publisher (role-assignments.bicep).
    DisableLocalAuth: true
  }
}

output appInsightsName string = appInsights.name
output appInsightsId string = appInsights.id
output APPLICATIONINSIGHTS_CONNECTION_STRING string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
