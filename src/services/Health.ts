import { Context, type Effect } from "effect"

/** A dependency the service cannot work without, and how to check it is reachable. */
export interface HealthProbe {
  readonly name: string
  readonly check: Effect.Effect<void, unknown>
}

/** The dependencies `/health/ready` and `/health/detailed` check. */
export class HealthProbes extends Context.Tag("HealthProbes")<HealthProbes, ReadonlyArray<HealthProbe>>() {}
