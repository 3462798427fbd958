import type { Ledger } from "./ledger.ts"
import type { LoadReport } from "./load.ts"

/** One chaos scenario's outcome: the ledger, the HTTP answers, and why it failed (none: it passed). */
export interface ScenarioResult {
  readonly scenario: string
  readonly jobsAccepted: number
  readonly ledger: Ledger
  readonly load: LoadReport
  readonly durationMs: number
  /** What the scenario observed beyond the ledger (kills, circuit states, calls in an outage, ...). */
  readonly details: ReadonlyArray<string>
  readonly failures: ReadonlyArray<string>
}

export const passed = (result: ScenarioResult) => result.failures.length === 0

const columns: ReadonlyArray<readonly [string, (r: ScenarioResult) => string]> = [
  ["scenario", (r) => r.scenario],
  ["jobs accepted", (r) => String(r.jobsAccepted)],
  ["routings", (r) => String(r.ledger.routings)],
  ["delivered", (r) => String(r.ledger.delivered)],
  ["lost", (r) => String(r.ledger.lost)],
  ["duplicates", (r) => String(r.ledger.duplicates)],
  ["503s", (r) => String(r.load.unavailable)],
  ["other 5xx", (r) => String(r.load.otherServerErrors)],
  ["duration", (r) => `${(r.durationMs / 1000).toFixed(1)} s`],
  ["result", (r) => (passed(r) ? "pass" : "FAIL")]
]

/** The summary table (Markdown, so it reads in a terminal and pastes into a report), then each scenario's notes. */
export const summaryTable = (results: ReadonlyArray<ScenarioResult>) => {
  const rows = [columns.map(([name]) => name), ...results.map((r) => columns.map(([, cell]) => cell(r)))]
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  const table = [line(rows[0]!), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)]
  const notes = results.flatMap((r) => [
    `${r.scenario}:`,
    ...r.details.map((d) => `  ${d}`),
    ...r.failures.map((f) => `  FAILED: ${f}`)
  ])
  return [...table, "", ...notes].join("\n")
}
