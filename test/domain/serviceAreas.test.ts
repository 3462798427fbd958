import { describe, expect, it } from "@effect/vitest"
import { areaKey, jobZip, notServedReason, zipKeys } from "../../src/domain/serviceAreas.ts"

describe("service areas", () => {
  it("reads a job's ZIP code from the first five digits of its zip_code", () => {
    expect(jobZip("62701")).toBe("62701")
    expect(jobZip(" 62701-1234")).toBe("62701")
    expect(jobZip("627011234")).toBe("62701")
    expect(jobZip("6270")).toBeNull()
    expect(jobZip("K1A 0B1")).toBeNull()
    expect(jobZip(undefined)).toBeNull()
  })

  it("keys every digit string of 1 to 5 digits apart, leading zeros included", () => {
    const all = ["0", "00", "000", "0000", "00000", "9", "99999", "00501", "501", "627", "62701"]
    expect(new Set(all.map(areaKey)).size).toBe(all.length)
    expect(zipKeys("62701")).toEqual(["6", "62", "627", "6270", "62701"].map(areaKey))
    expect(zipKeys(null)).toEqual([])
  })

  it("says why a company is left out", () => {
    expect(notServedReason("90210")).toBe("does not serve 90210")
    expect(notServedReason(null)).toBe("does not serve jobs without a ZIP code")
  })
})
