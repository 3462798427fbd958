import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { requireActingFor, requireAdmin, requireReadingFor, requireSeesAll } from "../../programs/access.ts"
import { ApiKeyId, CompanyId } from "../../src/domain/ids.ts"
import type { Principal } from "../../src/domain/principal.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { uuid } from "../support/fixtures.ts"

const company = CompanyId.make(uuid())
const viewer: Principal = { role: "viewer", keyId: ApiKeyId.make(uuid()) }
const admin: Principal = { role: "admin", keyId: null }
const own: Principal = { role: "company", companyId: company, keyId: ApiKeyId.make(uuid()) }

/** The tag of the error `check` fails with as `principal`, or "passed". */
const outcome = <E extends { readonly _tag: string }, R>(check: Effect.Effect<unknown, E, R>, principal: Principal) =>
  check.pipe(
    Effect.provideService(CurrentPrincipal, principal),
    Effect.either,
    Effect.map(Either.match({ onLeft: (e) => e._tag, onRight: () => "passed" }))
  )

describe("program access checks", () => {
  it.effect("a viewer passes the checks of reads and fails those of writes", () =>
    Effect.gen(function*() {
      expect(yield* outcome(requireSeesAll, viewer)).toBe("passed")
      expect(yield* outcome(requireReadingFor(company), viewer)).toBe("passed")
      expect(yield* outcome(requireAdmin, viewer)).toBe("Forbidden")
      expect(yield* outcome(requireActingFor(company), viewer)).toBe("Forbidden")
    }))

  it.effect("the admin passes every check; a company key reads and acts for its own company only", () =>
    Effect.gen(function*() {
      for (const check of [requireSeesAll, requireAdmin, requireReadingFor(company), requireActingFor(company)]) {
        expect(yield* outcome(check, admin)).toBe("passed")
      }
      expect(yield* outcome(requireSeesAll, own)).toBe("Forbidden")
      expect(yield* outcome(requireAdmin, own)).toBe("Forbidden")
      expect(yield* outcome(requireReadingFor(company), own)).toBe("passed")
      expect(yield* outcome(requireActingFor(company), own)).toBe("passed")
      expect(yield* outcome(requireReadingFor(CompanyId.make(uuid())), own)).toBe("Forbidden")
    }))

})
