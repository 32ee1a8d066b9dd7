// Service Bus Standard: the events topic with duplicate detection, and one subscription per consumer,
// each with a bounded delivery count and dead-lettering, reached only with Entra ID.
param namePrefix string
param location string
param suffix string

param topicName string = 'diagnostics-events'

@description('One subscription per consumer (the topic functions subscribe by these names).')
param subscriptionNames array = [
  'notifications'
  'tickets'
  'audit'
  'erasures'
]

@description('Deliveries before a message is dead-lettered; the local in-process bus uses the same number (LOCAL_BUS_MAX_DELIVERY_COUNT).')
param maxDeliveryCount int = 10

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${namePrefix}-sb-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: topicName
  properties: {
    // The publisher sets messageId to the event id, so a retried send within the window is dropped here.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    defaultMessageTimeToLive: 'P7D'
    maxSizeInMegabytes: 1024
    enableBatchedOperations: true
    supportOrdering: false
  }
}

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for name in subscriptionNames: {
  parent: topic
  name: name
  properties: {
    maxDeliveryCount: maxDeliveryCount
    lockDuration: 'PT1M'
    defaultMessageTimeToLive: 'P7D'
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    enableBatchedOperations: true
    requiresSession: false
  }
}]

output namespaceName string = namespace.name
output namespaceId string = namespace.id
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = '${namespace.name}.servicebus.windows.net'
output SERVICEBUS_TOPIC string = topic.name
