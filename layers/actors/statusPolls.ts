import { Duration, Effect, Layer } from "effect"
import { Unavailable } from "../../src/domain/errors.ts"
import { type PollNow, StatusPolls } from "../../src/services/StatusPolls.ts"

/** Until delivery runs in this process (start-up, or a process without it), polls asked for now wait this long. */
const NOT_SERVING_RETRY = Duration.seconds(5)

/** Status polls asked for now, handed to the delivery runtime of this process while it serves them. */
export const layer = Layer.sync(StatusPolls, () => {
  let serving: PollNow | undefined
  return StatusPolls.of({
    pollNow: (companyId) =>
      Effect.suspend(() =>
        serving === undefined
          ? Effect.fail(new Unavailable({ message: "status polling is not running in this process yet", retryAfter: NOT_SERVING_RETRY }))
          : serving(companyId)
      ),
    serve: (poll) =>
      Effect.acquireRelease(
        Effect.sync(() => void (serving = poll)),
        () =>
          Effect.sync(() => {
            if (serving === poll) serving = undefined
          })
      )
  })
})
