using 'main.bicep'

// Production: two warm Elastic Premium instances that scale out to 30, autoscale Cosmos DB, zone-redundant storage.
param environmentName = 'prod'
param planSku = 'EP2'
param alwaysReadyInstances = 2
param maximumInstances = 30
param cosmosCapacity = 'autoscale'
param cosmosMaxThroughput = 10000
param storageSku = 'Standard_ZRS'
param logRetentionDays = 90
param keyVaultPurgeProtection = true
param eventConsumers = ['fulfilment', 'finance', 'marketing']

// Set by scripts/deploy.
param deployerPrincipalId = readEnvironmentVariable('COMMERCE_DEPLOYER_PRINCIPAL_ID', '')
param deployerPrincipalType = readEnvironmentVariable('COMMERCE_DEPLOYER_PRINCIPAL_TYPE', 'User')
param packageName = readEnvironmentVariable('COMMERCE_PACKAGE_NAME', 'commerce-functions.zip')
