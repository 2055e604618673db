using 'main.bicep'

// Development: smallest Elastic Premium plan with one warm instance, serverless Cosmos DB, a vault that can be purged.
param environmentName = 'dev'
param planSku = 'EP1'
param alwaysReadyInstances = 1
param maximumInstances = 5
param cosmosCapacity = 'serverless'
param storageSku = 'Standard_LRS'
param logRetentionDays = 30
param keyVaultPurgeProtection = false
param eventConsumers = ['fulfilment', 'finance', 'marketing']

// Set by scripts/deploy.
param deployerPrincipalId = readEnvironmentVariable('COMMERCE_DEPLOYER_PRINCIPAL_ID', '')
param deployerPrincipalType = readEnvironmentVariable('COMMERCE_DEPLOYER_PRINCIPAL_TYPE', 'User')
param packageName = readEnvironmentVariable('COMMERCE_PACKAGE_NAME', 'commerce-functions.zip')
