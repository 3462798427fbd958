import { describe, expect, it } from "@effect/vitest"
import { areaSet, jobZip, notServedReason, serves } from "../../src/domain/serviceAreas.ts"

describe("service areas", () => {
  it("reads a job's ZIP code from the first five digits of its zip_code", () => {
    expect(jobZip("62701")).toBe("62701")
    expect(jobZip(" 62701-1234")).toBe("62701")
    expect(jobZip("627011234")).toBe("62701")
    expect(jobZip("6270")).toBeNull()
    expect(jobZip("K1A 0B1")).toBeNull()
    expect(jobZip(undefined)).toBeNull()
  })

  it("serves a ZIP when an entry is a prefix of it (a whole ZIP included); no list serves everywhere", () => {
    const areas = areaSet(["62701", "627", "9"])
    expect(serves(areas, "62701")).toBe(true)
    expect(serves(areas, "62799")).toBe(true)
    expect(serves(areas, "90210")).toBe(true)
    expect(serves(areas, "62801")).toBe(false)
    expect(serves(areaSet(["62701"]), "62702")).toBe(false)
    expect(areaSet([])).toBeNull()
    expect(serves(null, "62801")).toBe(true)
  })

  it("serves a job without a ZIP code only from companies with no list", () => {
    expect(serves(null, null)).toBe(true)
    expect(serves(areaSet(["627"]), null)).toBe(false)
    expect(notServedReason("90210")).toBe("does not serve 90210")
    expect(notServedReason(null)).toBe("does not serve jobs without a ZIP code")
  })
})
