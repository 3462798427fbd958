import { Effect, Layer } from "effect"
import { CompanyIndex } from "../../src/domain/companyIndex.ts"
import { CompanyDirectory } from "../../src/services/CompanyDirectory.ts"
import { CompanyIndexRepo } from "../../src/services/CompanyIndexRepo.ts"
import { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"

/**
 * The company index in memory, read from `CompanyIndexRepo` at start and then by what changed: at once on a signal
 * (in the background, so that jobs seldom wait for it), and whenever `current` finds storage at a newer version (which
 * alone keeps it right where signals are lost or there are none). Reads are not serialized: a job's read may run in a
 * transaction holding the only connection (PGlite) while the background one waits for it; the index takes in only
 * what is newer.
 */
export const layer = Layer.scoped(
  CompanyDirectory,
  Effect.gen(function*() {
    const repo = yield* CompanyIndexRepo
    const signal = yield* CompanyIndexSignal
    const index = new CompanyIndex()
    const refresh = Effect.suspend(() => Effect.map(repo.changesSince(index.version), (changes) => index.apply(changes)))

    yield* refresh.pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("the company index could not catch up; jobs will").pipe(Effect.annotateLogs("error", error.message))
      ),
      Effect.zipRight(signal.next),
      Effect.forever,
      Effect.withTracerEnabled(false),
      Effect.forkScoped
    )

    return CompanyDirectory.of({
      current: Effect.flatMap(repo.version, (version) => (index.version >= version ? Effect.void : refresh)).pipe(Effect.as(index))
    })
  })
)
