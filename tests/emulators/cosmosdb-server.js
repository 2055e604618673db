#!/usr/bin/env node
// Starts @vercel/cosmosdb-server (same arguments as its CLI) with two answers changed to what Azure
// Cosmos DB itself gives, so that the tests exercise the SDK's real-service code paths:
//
// 1. A point read of a missing document is 404. The server's read handler dereferences the missing
//    document and answers 500 instead.
// 2. A single-partition query sent for optimistic direct execution carries
//    "x-ms-cosmos-query-requiresdistribution: false". Without that header the .NET SDK assumes the
//    query needs client-side distribution and asks for a gateway query plan, which the server
//    cannot produce.
//
// The handlers are patched before the server's route table is loaded, because that table captures them.
"use strict";

const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");
const queryDocuments = require("@vercel/cosmosdb-server/lib/handler/query-documents");
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");

const isTrue = (value) => String(value).toLowerCase() === "true";

const readExisting = readDocument.default;
readDocument.default = (account, req, res, params) => {
  const collection = account.database(params.dbId).collection(params.collId);
  const header = req.headers["x-ms-documentdb-partitionkey"];
  if (collection.read() && header && !collection.document(params.docId, parsePartitionKey(header, params.docId)).read()) {
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
  return readExisting(account, req, res, params);
};

const query = queryDocuments.default;
queryDocuments.default = (account, req, res, params) => {
  if (isTrue(req.headers["x-ms-cosmos-query-optimisticdirectexecute"])) {
    res.setHeader("x-ms-cosmos-query-requiresdistribution", "false");
  }
  return query(account, req, res, params);
};

require("@vercel/cosmosdb-server/lib/cli.js");
