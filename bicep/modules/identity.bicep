// The one user-assigned managed identity the Function App runs as; every data-plane role is granted to it.
param namePrefix string
param location string
param suffix string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id-${suffix}'
  location: location
}

output identityId string = identity.id
output principalId string = identity.properties.principalId
output AZURE_CLIENT_ID string = identity.properties.clientId
