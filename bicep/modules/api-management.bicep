// Optional API Management in front of the Function App: global rate limits per device and per admin that
// hold across every Functions instance (the in-process limiter only counts per instance).
param namePrefix string
param location string
param suffix string

param publisherEmail string
param publisherName string

@description('rate-limit-by-key needs a v2 or classic dedicated tier (not Consumption).')
@allowed([ 'BasicV2', 'StandardV2', 'Developer', 'Basic', 'Standard' ])
param sku string = 'BasicV2'

param functionAppHostName string

@description('Calls per minute per device (ingest key + deviceId, else client IP) for device routes.')
param deviceCallsPerMinute int = 60

@description('Calls per minute per admin (token subject) for admin routes.')
param adminCallsPerMinute int = 120

@description('Calls per minute per client IP for anything, as a backstop.')
param ipCallsPerMinute int = 600

resource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {
  name: '${namePrefix}-apim-${suffix}'
  location: location
  sku: { name: sku, capacity: 1 }
  properties: {
    publisherEmail: publisherEmail
    publisherName: publisherName
  }
}

resource api 'Microsoft.ApiManagement/service/apis@2023-05-01-preview' = {
  parent: apim
  name: 'diagnostics'
  properties: {
    displayName: 'Remote diagnostics'
    path: 'api'
    protocols: [ 'https' ]
    serviceUrl: 'https://${functionAppHostName}/api'
    // Devices authenticate with x-diagnostics-key and admins with Entra ID tokens; the app checks both.
    subscriptionRequired: false
  }
}

var methods = [ 'GET', 'POST', 'PUT', 'PATCH', 'DELETE' ]

resource operations 'Microsoft.ApiManagement/service/apis/operations@2023-05-01-preview' = [for method in methods: {
  parent: api
  name: 'all-${toLower(method)}'
  properties: {
    displayName: '${method} /*'
    method: method
    urlTemplate: '/*'
  }
}]

resource policy 'Microsoft.ApiManagement/service/apis/policies@2023-05-01-preview' = {
  parent: api
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: replace(replace(replace(loadTextContent('api-management-policy.xml'), '{{DEVICE_CALLS_PER_MINUTE}}', string(deviceCallsPerMinute)), '{{ADMIN_CALLS_PER_MINUTE}}', string(adminCallsPerMinute)), '{{IP_CALLS_PER_MINUTE}}', string(ipCallsPerMinute))
  }
}

output gatewayUrl string = apim.properties.gatewayUrl
