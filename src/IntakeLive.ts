import { Effect, Layer } from "effect"
import { writeJobs } from "../programs/writeJobs.ts"
import * as GroupCommit from "./GroupCommit.ts"
import { JobIntake } from "./services/JobIntake.ts"

/** The most jobs one intake transaction writes. */
const MAX_BATCH = 100

/**
 * `POST /jobs` group-committed: while one intake transaction runs, the jobs that arrive wait, and the next
 * transaction writes all of them (`writeJobs`).
 */
export const IntakeLive = Layer.scoped(
  JobIntake,
  Effect.map(GroupCommit.make({ name: "Jobs.write", maxBatch: MAX_BATCH, run: writeJobs }), (submit) => JobIntake.of({ submit }))
)
