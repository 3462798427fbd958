import { database } from "../../test/support/e2eTools.ts"
import { NATS_TEST_URL, type PrivateNatsServer, startNatsServer } from "../../test/support/nats.ts"
import { type NatsCluster, startNatsCluster } from "../../test/support/natsCluster.ts"
import type { CleanupStack } from "./cleanup.ts"
import { type PostgresCluster, startPostgresCluster } from "./postgresCluster.ts"

/** Where the service under chaos keeps its data and its queues. */
export interface Backends {
  readonly databaseUrl: string
  /** As `NATS_URL` takes it: one server, or a cluster's, comma-separated. */
  readonly natsUrl: string
}

const freshDatabase = async (cleanup: CleanupStack) => {
  const db = await database()
  cleanup.defer("database", db.release)
  return db.url
}

/** A fresh database on the shared PostgreSQL, and the shared NATS (the run uses a stream prefix of its own). */
export const sharedBackends = async (cleanup: CleanupStack): Promise<Backends> => ({
  databaseUrl: await freshDatabase(cleanup),
  natsUrl: NATS_TEST_URL
})

/** A fresh database on the shared PostgreSQL, and a nats-server of the run's own, to stop and start. */
export const privateNatsBackends = async (cleanup: CleanupStack): Promise<Backends & { readonly nats: PrivateNatsServer }> => {
  const nats = await startNatsServer()
  cleanup.defer("private nats-server", nats.dispose)
  return { databaseUrl: await freshDatabase(cleanup), natsUrl: nats.url, nats }
}

/** A fresh database on the shared PostgreSQL, and a three-node NATS cluster of the run's own, its nodes to kill and start. */
export const natsClusterBackends = async (cleanup: CleanupStack): Promise<Backends & { readonly nats: NatsCluster }> => {
  const nats = await startNatsCluster()
  cleanup.defer("private NATS cluster", nats.dispose)
  return { databaseUrl: await freshDatabase(cleanup), natsUrl: nats.servers, nats }
}

/** A PostgreSQL cluster of the run's own, to crash and start, and the shared NATS. */
export const privatePostgresBackends = async (
  cleanup: CleanupStack
): Promise<Backends & { readonly postgres: PostgresCluster }> => {
  const postgres = await startPostgresCluster()
  cleanup.defer("private PostgreSQL cluster", postgres.dispose)
  return { databaseUrl: postgres.url, natsUrl: NATS_TEST_URL, postgres }
}
