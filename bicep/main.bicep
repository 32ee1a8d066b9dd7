// Deployment of the diagnostics Functions app. Filled in by the deployment issue (#7); see README.
targetScope = 'resourceGroup'

@description('Name prefix for every resource.')
param namePrefix string = 'diag'

@description('Azure region.')
param location string = resourceGroup().location

output namePrefix string = namePrefix
output location string = location
