metadata description = 'The Linux Function App that runs the app as a custom handler, and its plan.'

param location string
param tags object
param name string
param planName string

@description('EP1-EP3: Elastic Premium, which scales out on load and keeps always-ready instances warm. P0v3-P3v3: Dedicated, a fixed number of instances.')
@allowed(['EP1', 'EP2', 'EP3', 'P0v3', 'P1v3', 'P2v3', 'P3v3'])
param planSku string

@description('Instances always running: Elastic Premium always-ready instances, or the size of a Dedicated plan.')
param alwaysReadyInstances int

@description('Most instances Elastic Premium scales out to.')
param maximumInstances int

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('App settings, name to value.')
param appSettings object

var elastic = startsWith(planSku, 'EP')

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: elastic ? 'elastic' : 'linux'
  sku: {
    name: planSku
    tier: elastic ? 'ElasticPremium' : 'PremiumV3'
    capacity: alwaysReadyInstances
  }
  properties: {
    reserved: true
    maximumElasticWorkerCount: elastic ? maximumInstances : null
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      // A custom handler brings its own executable, so no language stack is named.
      linuxFxVersion: ''
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      use32BitWorkerProcess: false
      healthCheckPath: '/api/health'
      alwaysOn: !elastic
      minimumElasticInstanceCount: elastic ? alwaysReadyInstances : null
      functionAppScaleLimit: elastic ? maximumInstances : null
      appSettings: [for setting in items(appSettings): { name: setting.key, value: setting.value }]
    }
  }
}

// No FTP or basic-auth deployment: packages are run from blob storage with the app's identity.
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
