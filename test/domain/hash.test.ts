import { describe, expect, it } from "@effect/vitest"
import { constantTimeEqual } from "../../src/domain/hash.ts"

describe("constantTimeEqual", () => {
  it("is true for equal strings only, whatever their lengths", () => {
    expect(constantTimeEqual("", "")).toBe(true)
    expect(constantTimeEqual("a1b2c3", "a1b2c3")).toBe(true)
    expect(constantTimeEqual("a1b2c3", "a1b2c4")).toBe(false)
    expect(constantTimeEqual("a1b2c3", "a1b2c")).toBe(false)
    expect(constantTimeEqual("a1b2c", "a1b2c3")).toBe(false)
    expect(constantTimeEqual("", "a")).toBe(false)
    expect(constantTimeEqual("\u0100", "\u0000")).toBe(false)
  })
})
