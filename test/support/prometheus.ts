/** One sample of a Prometheus text exposition. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the Prometheus text format strictly: any line that is neither a comment nor a sample throws. */
export const parsePrometheus = (text: string): ReadonlyArray<Sample> =>
  text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).map((line) => {
    const match = sampleLine.exec(line)
    if (match === null) throw new Error(`not a Prometheus sample: ${line}`)
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(labelPair)].map((m) => [m[1]!, m[2]!]))
    return { name: match[1]!, labels, value: match[3] === "+Inf" ? Infinity : Number(match[3]) }
  })

/** The sum of the samples named `name` whose labels include `labels`. */
export const total = (samples: ReadonlyArray<Sample>, name: string, labels: Readonly<Record<string, string>> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
