import { Duration, Effect, Schema } from "effect"
import { ActorStatusJson } from "../../../src/domain/actorStatus.ts"
import { PartitionLeases } from "../../../src/services/Partitions.ts"
import type { Sql } from "../Db.ts"
import { column } from "./decode.ts"
import { repository } from "./repository.ts"

const LeaseRow = Schema.Struct({ partition: Schema.Int, epoch: Schema.NumberFromString })

const IdRow = Schema.Struct({ id: Schema.String })

const ReplicaRow = Schema.Struct({
  id: Schema.String,
  host: Schema.String,
  version: Schema.String,
  startedAt: column(Schema.DateFromSelf, "started_at"),
  heartbeatAt: column(Schema.DateFromSelf, "heartbeat_at"),
  partitions: Schema.Array(Schema.Int),
  actors: column(Schema.Array(ActorStatusJson), "workers")
})

const encodeActors = Schema.encodeSync(Schema.Array(ActorStatusJson))

/** `duration` from now, on the database's clock. */
const fromNow = (sql: Sql, duration: Duration.Duration) => sql`now() + ${Duration.toMillis(duration)} * interval '1 millisecond'`

/** `duration` before now, on the database's clock. */
const beforeNow = (sql: Sql, duration: Duration.Duration) => sql`now() - ${Duration.toMillis(duration)} * interval '1 millisecond'`

/** Replicas and partition leases on PostgreSQL: `replicas` and `partition_leases` rows, times on the database's clock. */
export const layer = repository(PartitionLeases, (db) =>
  PartitionLeases.of({
    heartbeat: (replica, state) =>
      db.rows("partitions.heartbeat", IdRow, (sql) =>
        sql`
          with forgotten as (
            delete from replicas where heartbeat_at < ${beforeNow(sql, state.forgetAfter)} and id <> ${replica.id}
          ), beat as (
            insert into replicas (id, host, version, partitions, workers)
            values (${replica.id}, ${replica.host}, ${replica.version}, ${[...state.partitions]}::int[],
              ${JSON.stringify(encodeActors(state.actors))}::text::jsonb)
            on conflict (id) do update
              set heartbeat_at = now(), partitions = excluded.partitions, workers = excluded.workers
            returning id
          )
          select id from replicas where heartbeat_at >= ${beforeNow(sql, state.aliveWithin)}
          union select id from beat`).pipe(
        Effect.map((rows) => rows.map((r) => r.id))
      ),

    renew: (owner, partitions, lease) =>
      partitions.length === 0 ? Effect.succeed([]) : db.rows("partitions.renew", LeaseRow, (sql) =>
        sql`
          update partition_leases set lease_until = ${fromNow(sql, lease)}
          where owner = ${owner} and partition = any(${[...partitions]}::int[]) and lease_until > now()
          returning partition, epoch::text`),

    acquire: (owner, total, count, lease) =>
      count <= 0 ? Effect.succeed([]) : db.query("partitions.add", (sql) =>
        sql`insert into partition_leases (partition) select generate_series(0, ${total - 1}::int) on conflict do nothing`).pipe(
        Effect.zipRight(db.rows("partitions.acquire", LeaseRow, (sql) =>
          sql`
            update partition_leases l set owner = ${owner}, epoch = l.epoch + 1, lease_until = ${fromNow(sql, lease)}
            from (
              select partition from partition_leases
              where partition < ${total} and (owner is null or lease_until <= now())
              order by partition limit ${count} for update skip locked
            ) free
            where l.partition = free.partition
            returning l.partition, l.epoch::text`))
      ),

    release: (owner, partitions) =>
      partitions.length === 0 ? Effect.void : db.query("partitions.release", (sql) =>
        sql`
          update partition_leases set owner = null, lease_until = '-infinity'
          where owner = ${owner} and partition = any(${[...partitions]}::int[])`).pipe(Effect.asVoid),

    leave: (owner) =>
      db.transaction(Effect.zipRight(
        db.query("partitions.releaseAll", (sql) =>
          sql`update partition_leases set owner = null, lease_until = '-infinity' where owner = ${owner}`),
        db.query("partitions.leave", (sql) => sql`delete from replicas where id = ${owner}`)
      )).pipe(Effect.asVoid),

    replicas: db.rows("partitions.replicas", ReplicaRow, (sql) =>
      sql`
        select id, host, version, started_at, heartbeat_at, partitions, workers
        from replicas order by started_at, id`)
  })
)
