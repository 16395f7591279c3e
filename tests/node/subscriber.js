// A subscriber written from protos/ and docs/events.md alone: a durable JetStream consumer with
// explicit acks that decodes mlledger.v1.Event and its payload (named by the Any's type URL).
// Usage: node subscriber.js NATS_URL STREAM SUBJECT PROTOS_DIR MODEL_NAME
// Prints, as JSON, the first stage transition of MODEL_NAME, then exits.
"use strict";

const path = require("path");
const protobuf = require("protobufjs");
const { connect, AckPolicy, DeliverPolicy } = require("nats");

async function main() {
  const [natsUrl, stream, subject, protosDir, modelName] = process.argv.slice(2);
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    target.startsWith("google/protobuf/") ? target : path.join(protosDir, target);
  await root.load(["mlledger/v1/events.proto", "mlledger/v1/registry.proto"], { keepCase: true });
  const Event = root.lookupType("mlledger.v1.Event");

  const nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  const durable = `node-${process.pid}`;
  await jsm.consumers.add(stream, {
    durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All,
    filter_subject: subject,
  });
  const consumer = await nc.jetstream().consumers.get(stream, durable);
  const deadline = Date.now() + 30000;
  try {
    while (Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: 100, expires: 1000 });
      for await (const m of batch) {
        const event = Event.decode(m.data);
        const payloadType = root.lookupType(event.payload.type_url.split("/").pop());
        const payload = payloadType.toObject(payloadType.decode(event.payload.value),
          { enums: String, longs: Number, defaults: true });
        m.ack();
        if (payload.name === modelName) {
          process.stdout.write(JSON.stringify({
            id: event.id, type: event.type, stream: event.stream, subject: m.subject,
            position: m.seq, actor: event.actor, payload_type: payloadType.fullName.replace(/^\./, ""), payload,
          }));
          return;
        }
      }
    }
    throw new Error("no stage transition received within 30 s");
  } finally {
    await jsm.consumers.delete(stream, durable).catch(() => {});
    await nc.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
