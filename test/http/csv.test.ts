import { describe, expect, it } from "vitest"
import { acceptsCsv, csvOf } from "../../src/http/csv.ts"

describe("CSV answers", () => {
  it("quotes fields with commas, quotes or line breaks, leaves nulls empty, and keeps numbers as they are", () => {
    expect(csvOf(["name", "revenue", "p50"], [{ name: "Lead \"Pro\", Inc", revenue: -12.5, p50: null }]))
      .toBe("name,revenue,p50\r\n\"Lead \"\"Pro\"\", Inc\",-12.5,\r\n")
  })

  it("makes text a spreadsheet would run as a formula open as text", () => {
    const names = ["=HYPERLINK(\"https://evil.example\")", "+1 Plumbing", "-Dash", "@SUM(A1)", "\tTab"]
    expect(csvOf(["name"], names.map((name) => ({ name })))).toBe(
      "name\r\n\"'=HYPERLINK(\"\"https://evil.example\"\")\"\r\n'+1 Plumbing\r\n'-Dash\r\n'@SUM(A1)\r\n'\tTab\r\n"
    )
  })

  it("answers CSV only when Accept names text/csv without refusing it", () => {
    expect(acceptsCsv("text/csv")).toBe(true)
    expect(acceptsCsv("application/json;q=0.5, text/csv; charset=utf-8")).toBe(true)
    expect(acceptsCsv("text/csv;q=0")).toBe(false)
    expect(acceptsCsv(undefined)).toBe(false)
    expect(acceptsCsv("application/json")).toBe(false)
  })
})
