/**
 * The chaos scenarios, full size (or `--short`, the size CI runs in test/chaos), one after the other, then a summary
 * table; exits 1 when any failed.
 *
 *   node --import tsx bench/chaos/run.ts [--short] [--only <name>]
 *
 * where a name is kill-service, restart-nats, restart-postgres, provider-down, rate-limit-storm, kill-replica,
 * add-replica or restart-nats-node.
 *
 * Needs what the integration tests need: PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres,
 * where each scenario makes a database of its own), NATS with JetStream (NATS_TEST_URL, default nats://127.0.0.1:4222;
 * each scenario uses a stream prefix of its own), nats-server (NATS_SERVER_BIN) and PostgreSQL's initdb and pg_ctl
 * (PG_BIN, default the newest /usr/lib/postgresql/<version>/bin) for the private servers (restart-nats-node: a
 * three-node cluster of nats-servers). Everything made is removed.
 */
import { parseArgs } from "node:util"
import { scenarios } from "./scenarios.ts"
import { passed, type ScenarioResult, summaryTable } from "./summary.ts"

const { values: args } = parseArgs({
  options: { short: { type: "boolean", default: false }, only: { type: "string", multiple: true } }
})
const names = args.only ?? Object.keys(scenarios)
const unknown = names.filter((name) => scenarios[name] === undefined)
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(", ")}; one of ${Object.keys(scenarios).join(", ")}`)
  process.exit(2)
}

const results: Array<ScenarioResult> = []
for (const name of names) {
  console.log(`chaos: ${name} (${args.short ? "short" : "full"})...`)
  const result = await scenarios[name]!(args.short ? "short" : "full")
  console.log(`chaos: ${name} ${passed(result) ? "passed" : "FAILED"} in ${(result.durationMs / 1000).toFixed(1)} s`)
  results.push(result)
}
console.log(`\n${summaryTable(results)}`)
process.exit(results.every(passed) ? 0 : 1)
