import { Config, Effect, Layer, Option } from "effect"
import { detailedSpans, urls } from "../../src/Config.ts"
import * as JetStream from "./jetstream.ts"
import * as Memory from "./memory.ts"

/** `NATS_URL`: the servers of a NATS cluster, comma-separated (none: the in-process broker); `OTEL_DETAILED_SPANS`. */
export const config = Config.all({
  servers: Config.option(urls("NATS_URL", ["nats:", "tls:", "ws:", "wss:"])),
  detailedSpans
})

/** NATS JetStream at the servers of `NATS_URL`, or the in-process broker. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, ({ detailedSpans, servers }) =>
  Option.match(servers, {
    onNone: () => Memory.layerMemory,
    onSome: (servers) => JetStream.layer({ servers, name: "service-integration", detailedSpans })
  })))
