/** Text a spreadsheet would run as a formula when a cell starts with it. */
const formulaStart = /^[=+\-@\t\r]/

/**
 * One CSV field: quoted (inner quotes doubled) when it holds a comma, a quote or a line break; empty for null. Text that
 * a spreadsheet would take for a formula (a company named `=HYPERLINK(...)`) starts with `'`, so it opens as text.
 */
const field = (value: string | number | null): string => {
  if (value === null) return ""
  const text = typeof value === "string" && formulaStart.test(value) ? `'${value}` : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll("\"", "\"\"")}"` : text
}

/** An RFC 4180 CSV document: the header row, then a row of each record's values in the header's order, CRLF-ended. */
export const csvOf = <K extends string>(
  header: ReadonlyArray<K>,
  records: ReadonlyArray<Readonly<Record<K, string | number | null>>>
): string => [header, ...records.map((record) => header.map((key) => record[key]))].map((row) =>
  row.map(field).join(",") + "\r\n"
).join("")

/** True when the `Accept` header asks for CSV (`text/csv`, with any parameters, not refused with `q=0`). */
export const acceptsCsv = (accept: string | undefined): boolean =>
  (accept ?? "").split(",").some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(";").map((s) => s.trim())
    return type === "text/csv" && !params.some((p) => /^q=0(\.0*)?$/.test(p))
  })
