import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { denoBinary } from "../support/process.ts"

// Never skipped: npx fetches Deno when it is missing, so a failure here is a real one.
describe("outbound address check on Deno", () => {
  it("refuses a name resolving to loopback on the address connected to, as on Node, and lets it through when allowed", async () => {
    const { stdout } = await promisify(execFile)(await denoBinary(), ["run", "-A", "test/support/outboundProbe.ts"], {
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", DENO_NO_UPDATE_CHECK: "1" },
      timeout: 60_000
    })
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      runtime: "deno",
      guarded: "refused: address 127.0.0.1 is loopback; set OUTBOUND_ALLOW_PRIVATE=true to allow it",
      requestsWhenGuarded: 0,
      allowed: "reached"
    })
  }, 300_000)
})
