metadata description = 'Cosmos DB for NoSQL: the database and every container the app declares, read and written with Entra ID only.'

param location string
param tags object
param name string
param databaseName string

@description('serverless: pay per request (dev). autoscale: throughput shared by the database, scaling between a tenth of maxThroughput and maxThroughput.')
param capacity 'serverless' | 'autoscale'

@description('Autoscale ceiling in RU/s; ignored when serverless.')
param maxThroughput int

@description('The user-assigned identity the app runs as, which reads and writes documents.')
param appIdentityName string

// The app creates no containers in Azure (its identity may not), so this list is every name it declares in
// code (FunctionAppBuilder.DocumentContainers); a test holds the two to each other. All are partitioned on /pk.
var containers = [
  'acquisition-spend'
  'carts'
  'catalog-meta'
  'categories'
  'churn-risk'
  'coupon-redemptions'
  'customer-insights'
  'customers'
  'durable-index'
  'durable-instances'
  'event-inbox'
  'experiment-exposures'
  'experiments'
  'idempotency'
  'inventory'
  'lake-state'
  'notification-state'
  'notifications'
  'order-index'
  'orders'
  'outbox'
  'payment-attempts'
  'payment-routes'
  'payment-webhooks'
  'price-lists'
  'products'
  'promotions'
  'relay-state'
  'reservation-expiry'
  'reservations'
  'retention-campaign-members'
  'retention-campaigns'
  'retention-rules'
  'retention-tasks'
  'sandbox-payments'
  'webhook-deliveries'
  'webhook-subscriptions'
]

var builtInDataContributor = '00000000-0000-0000-0000-000000000002'

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: appIdentityName
}

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: capacity == 'serverless' ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: capacity == 'serverless' ? {} : { autoscaleSettings: { maxThroughput: maxThroughput } }
  }
}

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for containerName in containers: {
    parent: database
    name: containerName
    properties: {
      resource: {
        id: containerName
        partitionKey: {
          paths: ['/pk']
          kind: 'Hash'
          version: 2
        }
      }
    }
  }
]

resource appData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(database.id, appIdentity.id, builtInDataContributor)
  properties: {
    principalId: appIdentity.properties.principalId
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${builtInDataContributor}'
    // Data-plane path of the database: the identity gets documents in this database and nothing else.
    scope: '${account.id}/dbs/${database.name}'
  }
}

output endpoint string = account.properties.documentEndpoint
