import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Run } from "../../src/http/router.ts"
import type { AlertServices } from "../../src/http/routes/alerts.ts"
import { AlertRepo } from "../../src/services/Alerts.ts"
import { ReportsRepo } from "../../src/services/Reports.ts"

/** Type-checks only while a route group may run programs on the services it names, and on no other. */
const programsOfTheAlertRoutes = (run: Run<AlertServices>, c: Parameters<Run<AlertServices>>[0]) => [
  run(c, Effect.asVoid(AlertRepo)),
  // @ts-expect-error the alert routes do not name ReportsRepo
  run(c, Effect.asVoid(ReportsRepo))
]

describe("route groups name their services", () => {
  it("a program using a service its group does not name does not compile (see the @ts-expect-error above)", () => {
    expect(programsOfTheAlertRoutes).toBeTypeOf("function")
  })
})
