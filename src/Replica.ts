import { Layer } from "effect"
import { hostname } from "node:os"
import { CurrentReplica } from "./services/Partitions.ts"
import { serviceVersion } from "./version.ts"

/** This process as a replica: its host name and a suffix new at every start, so a restarted process is a new replica. */
export const layer = Layer.sync(CurrentReplica, () => {
  const host = hostname()
  return { id: `${host}-${crypto.randomUUID().slice(0, 8)}`, host, version: serviceVersion }
})
