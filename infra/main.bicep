metadata description = 'The commerce function app and everything it uses, in one resource group per environment. Deploy with scripts/deploy.'

targetScope = 'resourceGroup'

@description('Short name of the environment (lowercase letters and digits: dev, test, prod); part of every resource name.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Region of every resource.')
param location string = resourceGroup().location

@description('Function App plan. EP1-EP3 (Elastic Premium) scale out on load with always-ready instances; P0v3-P3v3 (Dedicated) run a fixed number of instances. Both run Linux custom handlers; see README "Deploy to Azure" for the plans that do not.')
@allowed(['EP1', 'EP2', 'EP3', 'P0v3', 'P1v3', 'P2v3', 'P3v3'])
param planSku string = 'EP1'

@description('Instances kept running: Elastic Premium always-ready instances, or the size of a Dedicated plan.')
@minValue(1)
@maxValue(20)
param alwaysReadyInstances int = 1

@description('Most instances Elastic Premium scales out to.')
@minValue(1)
@maxValue(100)
param maximumInstances int = 20

@description('Cosmos DB capacity: serverless (pay per request) or autoscale throughput shared by the database.')
param cosmosCapacity 'serverless' | 'autoscale' = 'serverless'

@description('Autoscale ceiling in RU/s when cosmosCapacity is autoscale; the database scales between a tenth of it and it.')
@minValue(1000)
param cosmosMaxThroughput int = 4000

@description('Redundancy of the storage account.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GZRS'])
param storageSku string = 'Standard_LRS'

@description('Downstream systems that consume integration events; each gets its own subscription on the commerce-events topic.')
param eventConsumers string[] = ['fulfilment', 'finance', 'marketing']

@description('Payment channels in failover order (Payments:Channels); each one\'s webhook signing secret is kept in Key Vault.')
param paymentChannels string[] = ['sandbox-a', 'sandbox-b']

@description('OpenID Connect authority whose tokens the API accepts, e.g. https://login.microsoftonline.com/<tenant>/v2.0. Empty: tokens are signed and checked with the key kept in Key Vault.')
param authAuthority string = ''

@description('Object id of the user or pipeline that runs scripts/deploy, which uploads packages and sets secrets. Empty grants nobody that access.')
param deployerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string = 'User'

@description('Name of the app package blob in the app-package container (scripts/deploy names it by its content hash).')
param packageName string = 'commerce-functions.zip'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Key Vault purge protection. Once on it cannot be turned off: a deleted vault keeps its name for 90 days.')
param keyVaultPurgeProtection bool = true

param tags object = {}

var allTags = union(tags, { application: 'commerce', environment: environmentName })
var unique = uniqueString(resourceGroup().id, environmentName)
var envToken = toLower(environmentName)
var names = {
  identity: 'id-commerce-${envToken}'
  storage: 'st${envToken}${unique}'
  cosmos: 'cosmos-commerce-${envToken}-${unique}'
  serviceBus: 'sb-commerce-${envToken}-${unique}'
  keyVault: 'kv${envToken}${unique}'
  workspace: 'log-commerce-${envToken}'
  insights: 'appi-commerce-${envToken}'
  plan: 'plan-commerce-${envToken}'
  site: 'func-commerce-${envToken}-${unique}'
}
var databaseName = 'commerce'
var eventsTopic = 'commerce-events'
var packageContainerName = 'app-package'
var signingKeySecretName = 'auth-signing-key'

func secretName(channel string) string => 'payments-webhooks-${channel}'

func keyVaultReference(vaultName string, secret string) string =>
  '@Microsoft.KeyVault(SecretUri=https://${vaultName}${environment().suffixes.keyvaultDns}/secrets/${secret}/)'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    workspaceName: names.workspace
    insightsName: names.insights
    retentionDays: logRetentionDays
    appIdentityName: identity.name
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: allTags
    name: names.storage
    sku: storageSku
    packageContainerName: packageContainerName
    appIdentityName: identity.name
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    tags: allTags
    name: names.cosmos
    databaseName: databaseName
    capacity: cosmosCapacity
    maxThroughput: cosmosMaxThroughput
    appIdentityName: identity.name
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    location: location
    tags: allTags
    name: names.serviceBus
    topicName: eventsTopic
    consumers: eventConsumers
    appIdentityName: identity.name
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: allTags
    name: names.keyVault
    purgeProtection: keyVaultPurgeProtection
    appIdentityName: identity.name
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: names.insights
}

var authSettings = empty(authAuthority)
  ? { Auth__SigningKey: keyVaultReference(names.keyVault, signingKeySecretName) }
  : { Auth__Authority: authAuthority }

// App Service setting names cannot contain '-': the app also reads a channel's settings with '_' for '-'.
var paymentSettings = union(
  { Payments__Channels: join(paymentChannels, ',') },
  toObject(
    paymentChannels,
    channel => 'Payments__Webhooks__${replace(channel, '-', '_')}__Secrets',
    channel => keyVaultReference(names.keyVault, secretName(channel))
  )
)

var appSettings = union(
  {
    FUNCTIONS_EXTENSION_VERSION: '~4'
    FUNCTIONS_WORKER_RUNTIME: 'custom'
    // Run from the package blob with the app's identity: no Azure Files share, whose connection string would carry the account key.
    WEBSITE_RUN_FROM_PACKAGE: 'https://${names.storage}.blob.${environment().suffixes.storage}/${packageContainerName}/${packageName}'
    WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identity.id
    AzureWebJobsStorage__accountName: names.storage
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    Storage__Preset: 'azure'
    Storage__CosmosDatabase: databaseName
    CosmosDb__accountEndpoint: cosmos.outputs.endpoint
    CosmosDb__clientId: identity.properties.clientId
    ServiceBus__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    ServiceBus__credential: 'managedidentity'
    ServiceBus__clientId: identity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    AZURE_CLIENT_ID: identity.properties.clientId
  },
  authSettings,
  paymentSettings
)

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    tags: allTags
    name: names.site
    planName: names.plan
    planSku: planSku
    alwaysReadyInstances: alwaysReadyInstances
    maximumInstances: maximumInstances
    identityId: identity.id
    appSettings: appSettings
  }
  // The app starts once its identity may reach every store, and reads its telemetry settings from Application Insights.
  dependsOn: [
    monitoring
    storage
    keyVault
  ]
}

output functionAppName string = app.outputs.name
output functionAppUrl string = 'https://${app.outputs.defaultHostName}'
output storageAccountName string = storage.outputs.name
output packageContainerName string = packageContainerName
output keyVaultName string = keyVault.outputs.name
output signingKeySecretName string = empty(authAuthority) ? signingKeySecretName : ''
output webhookSecretNames string[] = [for channel in paymentChannels: secretName(channel)]
output identityClientId string = identity.properties.clientId
