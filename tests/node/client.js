// A client generated at run time from protos/ alone: checks health, then calls real RPCs.
// Usage: node client.js HOST:PORT PROTOS_DIR
// Prints one JSON object with what the server answered.
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { protoPath: healthProtoPath } = require("grpc-health-check");

const [address, protosDir] = process.argv.slice(2);
const options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protosDir] };

function call(client, method, request) {
  return new Promise((resolve) => {
    client[method](request, { deadline: Date.now() + 10000 }, (error, response) =>
      resolve(error ? { code: error.code, details: error.details } : { response }));
  });
}

async function main() {
  const health = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, options)).grpc.health.v1;
  const definition = protoLoader.loadSync(
    ["mlledger/v1/common.proto", "mlledger/v1/events.proto", "mlledger/v1/tracking.proto"], options);
  const v1 = grpc.loadPackageDefinition(definition).mlledger.v1;
  const credentials = grpc.credentials.createInsecure();
  const result = {};
  result.health = await call(new health.Health(address, credentials), "Check", { service: "" });
  result.endpoints = await call(new v1.DiscoveryService(address, credentials), "GetEndpoints", {});
  result.events = await call(new v1.EventLogService(address, credentials), "ReadEvents", { limit: 5 });
  result.badEvents = await call(new v1.EventLogService(address, credentials), "ReadEvents", { limit: 100000 });
  result.missingRun = await call(new v1.TrackingService(address, credentials), "GetRun", { run_id: "0123456789abcdef0123456789abcdef" });
  console.log(JSON.stringify(result));
}

main().catch((error) => { console.error(error); process.exit(1); });
