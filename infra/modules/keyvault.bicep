metadata description = 'Key Vault for the token signing key and webhook secrets, which the app reads through Key Vault references.'

param location string
param tags object
param name string

@description('Once on, a deleted vault or secret stays recoverable for 90 days and cannot be purged.')
param purgeProtection bool

@description('The user-assigned identity the app runs as, which reads secrets.')
param appIdentityName string

@description('Principal that sets secrets (scripts/deploy); empty grants nothing.')
param deployerPrincipalId string

param deployerPrincipalType string

var roles = {
  secretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  secretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: appIdentityName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: union(
    {
      tenantId: tenant().tenantId
      sku: {
        family: 'A'
        name: 'standard'
      }
      enableRbacAuthorization: true
      enableSoftDelete: true
      softDeleteRetentionInDays: 90
      publicNetworkAccess: 'Enabled'
    },
    // The service refuses enablePurgeProtection: false, so the property is left out instead.
    purgeProtection ? { enablePurgeProtection: true } : {}
  )
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, roles.secretsUser)
  scope: vault
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.secretsUser)
  }
}

resource deployer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.secretsOfficer)
  scope: vault
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.secretsOfficer)
  }
}

output name string = vault.name
