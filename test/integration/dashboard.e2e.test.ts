import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { type Browser, chromium, type Locator, type Page } from "playwright-core"
import { type ApiClient, eventually, jobFor } from "../support/client.ts"
import { ADMIN_KEY, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

/** Debian's Chromium (`apt-get install -y chromium`); `.ci/run` installs it when it is missing. */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"
const JAEGER_UI_URL = "http://jaeger.example:16686"

/**
 * The README's screenshots are written to `docs/` when `DASHBOARD_SCREENSHOTS=1`; otherwise (every other run, so that
 * a test run leaves the checkout as it was) to a temporary directory.
 */
const SCREENSHOTS = process.env["DASHBOARD_SCREENSHOTS"] === "1"
  ? new URL("../../docs/", import.meta.url)
  : pathToFileURL(`${mkdtempSync(join(tmpdir(), "dashboard-"))}/`)

const company = (api: ApiClient, name: string, skill: string, mock: Record<string, number> = {}) =>
  api.post("/companies", {
    name,
    skills: [{ skill, level: "expert", primary: true }],
    rate_limit_per_minute: 100_000,
    provider: { type: "mock", config: mock }
  }) as Promise<{ id: string; delivery_paused: boolean }>

/** Asserts that the page shows what `locator` finds (one element), waiting up to `timeout` for it to appear. */
const expectShown = async (locator: Locator, timeout = 5_000) => {
  await locator.waitFor({ timeout })
  expect(await locator.isVisible()).toBe(true)
}

describe.skipIf(!existsSync(CHROMIUM) && process.env["CI"] !== "true")("dashboard in a browser (service process, real PostgreSQL and NATS, headless Chromium)", () => {
  const { serve, setup } = e2eHarness()
  let browser: Browser
  let page: Page
  let url: string
  let api: ApiClient
  const pageErrors: Array<string> = []
  const requested: Array<string> = []

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run"]
    })
    const { env } = await setup(NATS_TEST_URL)
    ;({ url, api } = await serve({ ...env, DELIVERY_ATTEMPTS: "2", RETRY_BASE_SECONDS: "0.2", JAEGER_UI_URL }))
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on("pageerror", (error) => pageErrors.push(String(error)))
    page.on("request", (request) => requested.push(request.url()))
  })
  afterAll(async () => {
    await browser?.close()
  })

  const signIn = async (key: string, on: Page = page) => {
    await on.getByLabel("Admin or viewer key").fill(key)
    await on.getByRole("button", { name: "Sign in" }).click()
  }

  it("signs in with an admin (or viewer) key only, and never puts the key in a URL", async () => {
    await page.goto(`${url}/dashboard`)
    await signIn("si_not_a_key")
    await page.getByRole("alert").filter({ hasText: "This key is not valid." }).waitFor({ timeout: 5_000 })
    const companyKey = await api.post("/api-keys", {
      role: "company",
      company_id: (await company(api, "Key Holder", `x-${crypto.randomUUID().slice(0, 6)}`)).id,
      name: "not admin"
    })
    await signIn(companyKey.key)
    await page.getByRole("alert").filter({ hasText: "This key is neither an admin nor a viewer key." }).waitFor({ timeout: 5_000 })
    await signIn(ADMIN_KEY)
    await page.getByRole("heading", { name: "Overview" }).waitFor({ timeout: 5_000 })
    expect(requested.filter((u) => u.includes(ADMIN_KEY) || u.includes(companyKey.key))).toEqual([])
  })

  it("shows a newly created job live, without a reload of the page", async () => {
    const skill = `hvac-${crypto.randomUUID().slice(0, 6)}`
    await company(api, "Cool Air HVAC", skill)
    const creator = await company(api, "Creator", `c-${crypto.randomUUID().slice(0, 6)}`)
    await page.goto(`${url}/dashboard#overview`)
    await page.getByRole("heading", { name: "Latest jobs" }).waitFor()
    await page.evaluate(() => Object.assign(window, { loadedBeforeTheJob: true }))
    const job = await api.post("/jobs", { ...jobFor(creator.id, skill, 1), summary: "Leaking faucet in the kitchen" })
    const row = page.locator(`tr[data-key="${job.id}"]`)
    await expectShown(row.getByText("1 of 1"), 15_000)
    expect(await row.textContent()).toContain("Leaking faucet in the kitchen")
    expect(await page.evaluate(() => "loadedBeforeTheJob" in window)).toBe(true)
  })

  it("shows where each company serves, and pauses and resumes a company", async () => {
    const paused = await company(api, "Pause Me Plumbing", `p-${crypto.randomUUID().slice(0, 6)}`)
    const local = await api.post("/companies", { name: "Springfield Only", service_areas: ["62701", "62702", "627", "628", "629", "630"] })
    await page.getByRole("link", { name: "Companies" }).click()
    await page.locator(`tr[data-key="${local.id}"]`).getByText("62701, 62702, 627, 628 and 2 more").waitFor({ timeout: 5_000 })
    await page.locator(`tr[data-key="${paused.id}"]`).getByText("everywhere").waitFor()
    await page.getByRole("button", { name: "Pause Pause Me Plumbing" }).click()
    await page.getByRole("button", { name: "Resume Pause Me Plumbing" }).waitFor({ timeout: 5_000 })
    expect((await api.get(`/companies/${paused.id}`)).delivery_paused).toBe(true)
    await page.locator(`tr[data-key="${paused.id}"]`).getByText("paused").waitFor()
    await page.getByRole("button", { name: "Resume Pause Me Plumbing" }).click()
    await page.getByRole("button", { name: "Pause Pause Me Plumbing" }).waitFor({ timeout: 5_000 })
    expect((await api.get(`/companies/${paused.id}`)).delivery_paused).toBe(false)
  })

  it("shows an open alert in a banner over every section, and takes it away once resolved", async () => {
    const skill = `gutter-${crypto.randomUUID().slice(0, 6)}`
    const failing = await company(api, "Banner Gutters", skill, { failure_rate: 1 })
    const creator = await company(api, "Gutter Creator", `gc-${crypto.randomUUID().slice(0, 6)}`)
    await page.goto(`${url}/dashboard#overview`)
    const banner = page.getByRole("region", { name: "Open alerts" })
    expect(await banner.isHidden()).toBe(true)
    const job = await api.post("/jobs", jobFor(creator.id, skill, 5))
    const routingId = job.routings[0].id as string
    await banner.getByText("1 open alert").waitFor({ timeout: 15_000 })
    const link = banner.getByRole("link", { name: /could not be delivered to Banner Gutters after 2 attempts/ })
    expect(await link.getAttribute("href")).toBe(`#routing/${routingId}`)
    await page.getByRole("link", { name: "Companies", exact: true }).click()
    await page.getByRole("heading", { name: "Companies" }).waitFor()
    await banner.getByText("1 open alert").waitFor()

    await api.put(`/companies/${failing.id}/provider`, { type: "mock", config: {} })
    await api.post(`/routings/${routingId}/retry`, {})
    await banner.waitFor({ state: "hidden", timeout: 5_000 })
    await eventually(async () => (await api.get(`/routings/${routingId}`)).sync_status === "synced", 10_000,
      async () => JSON.stringify(await api.get(`/routings/${routingId}`)))
    const letter = (await api.get("/admin/dlq")).items.find((d: { routing_id: string }) => d.routing_id === routingId)
    await api.delete(`/admin/dlq/${letter.id}`)
  })

  it("replays a dead letter once its cause is fixed, and the routing is delivered", async () => {
    const skill = `roof-${crypto.randomUUID().slice(0, 6)}`
    const failing = await company(api, "Always Down Roofing", skill, { failure_rate: 1 })
    const creator = await company(api, "Roof Creator", `rc-${crypto.randomUUID().slice(0, 6)}`)
    const job = await api.post("/jobs", jobFor(creator.id, skill, 2))
    const routingId = job.routings[0].id as string
    await eventually(async () => (await api.get("/admin/dlq")).items.some((d: { routing_id: string }) => d.routing_id === routingId), 15_000,
      async () => JSON.stringify(await api.get(`/routings/${routingId}`)))
    const letter = (await api.get("/admin/dlq")).items.find((d: { routing_id: string }) => d.routing_id === routingId)

    await page.getByRole("link", { name: "Dead letters" }).click()
    await page.locator(`tr[data-key="${letter.id}"]`).getByText("gave up after 2 attempts").waitFor({ timeout: 5_000 })
    await api.put(`/companies/${failing.id}/provider`, { type: "mock", config: {} })
    await page.getByRole("button", { name: `Replay dead letter ${letter.id}` }).click()
    await page.getByRole("status").filter({ hasText: `Dead letter ${letter.id} replayed` }).waitFor({ timeout: 5_000 })
    await page.locator(`tr[data-key="${letter.id}"]`).waitFor({ state: "detached", timeout: 5_000 })

    await page.goto(`${url}/dashboard#job/${job.id}`)
    const routing = page.locator(`article[data-routing="${routingId}"]`)
    await routing.locator(".badge", { hasText: "synced" }).waitFor({ timeout: 10_000 })
    await routing.getByText("gave up after 2 attempts").first().waitFor()
    const trace = await page.getByRole("link", { name: "Open the trace in Jaeger" }).getAttribute("href")
    expect(trace).toContain(`${JAEGER_UI_URL}/search?`)
    expect(new URL(trace!).searchParams.get("tags")).toBe(JSON.stringify({ "job.id": job.id }))
    expect((await api.get(`/admin/providers/mock/leads?company_id=${failing.id}`)).total).toBe(1)
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: new URL("dashboard-job.png", SCREENSHOTS).pathname, fullPage: true })
  })

  it("replays every dead letter the filter matches, and retries a company's failed routings, each after a confirmation", async () => {
    const skill = `gutter-${crypto.randomUUID().slice(0, 6)}`
    const replayed = await company(api, "Bulk Down Gutters", skill, { failure_rate: 1 })
    const otherSkill = `siding-${crypto.randomUUID().slice(0, 6)}`
    const retried = await company(api, "Retry Down Siding", otherSkill, { failure_rate: 1 })
    const creator = await company(api, "Bulk Creator", `bc-${crypto.randomUUID().slice(0, 6)}`)
    const jobs = await Promise.all([skill, skill, otherSkill, otherSkill].map((s, i) => api.post("/jobs", jobFor(creator.id, s, 10 + i))))
    const routings = jobs.map((job) => job.routings[0].id as string)
    const statuses = () => Promise.all(routings.map(async (id) => (await api.get(`/routings/${id}`)).sync_status as string))
    await eventually(async () => (await statuses()).every((s) => s === "failed"), 15_000, async () => JSON.stringify(await statuses()))
    const letters = (await api.get("/admin/dlq?limit=1000")).items.filter((d: { company_id: string }) => d.company_id === replayed.id)
    expect(letters).toHaveLength(2)
    for (const trade of [replayed, retried]) await api.put(`/companies/${trade.id}/provider`, { type: "mock", config: {} })

    await page.goto(`${url}/dashboard#dead-letters`)
    await page.getByLabel("Company").selectOption({ label: "Bulk Down Gutters" })
    await page.getByLabel("Reason contains").fill("GAVE UP")
    for (const letter of letters) await page.locator(`tr[data-key="${letter.id}"]`).waitFor({ timeout: 5_000 })
    expect(await page.locator("tbody tr").count()).toBe(2)
    await page.getByRole("button", { name: "Replay all" }).click()
    await page.getByRole("button", { name: "Confirm replay all" }).click()
    await page.getByRole("status").filter({ hasText: "Replayed 2 dead letters" }).waitFor({ timeout: 5_000 })
    for (const letter of letters) await page.locator(`tr[data-key="${letter.id}"]`).waitFor({ state: "detached", timeout: 5_000 })
    await eventually(async () => (await api.get(`/admin/providers/mock/leads?company_id=${replayed.id}`)).total === 2, 10_000,
      async () => JSON.stringify(await statuses()))

    await page.getByRole("link", { name: "Companies" }).click()
    const row = page.locator(`tr[data-key="${retried.id}"]`)
    await row.getByRole("button", { name: "Retry failed" }).click()
    await row.getByRole("button", { name: "Confirm retry" }).click()
    await page.getByRole("status").filter({ hasText: "Retried 2 failed routings of Retry Down Siding" }).waitFor({ timeout: 5_000 })
    await eventually(async () => (await statuses()).every((s) => s === "synced"), 10_000, async () => JSON.stringify(await statuses()))
    for (const trade of [replayed, retried]) {
      expect(await api.get(`/admin/providers/mock/leads?company_id=${trade.id}`)).toMatchObject({ total: 2, duplicates: 0 })
    }
  })

  it("shows the overview with the latest jobs (the README's screenshot)", async () => {
    const skill = `elec-${crypto.randomUUID().slice(0, 6)}`
    await company(api, "Bright Spark Electric", skill)
    await company(api, "Volt Brothers", skill)
    const creator = await company(api, "Front Desk", `fd-${crypto.randomUUID().slice(0, 6)}`)
    const summaries = ["Panel upgrade", "Outlet sparks when used", "Ceiling fan install", "Breaker keeps tripping"]
    const jobs = []
    for (const [i, summary] of summaries.entries()) jobs.push(await api.post("/jobs", { ...jobFor(creator.id, skill, i), summary }))
    await page.goto(`${url}/dashboard#overview`)
    for (const [i, job] of jobs.entries()) {
      const row = page.locator(`tr[data-key="${job.id}"]`)
      await expectShown(row.getByText("2 of 2"), 10_000)
      expect(await row.textContent()).toContain(summaries[i])
    }
    await page.screenshot({ path: new URL("dashboard.png", SCREENSHOTS).pathname, fullPage: true })
  })

  it("shows the reports: a receiving company's row, the daily chart, and the table as a CSV download", async () => {
    await page.getByRole("link", { name: "Reports" }).click({ timeout: 5_000 })
    await page.getByRole("heading", { name: "Reports" }).waitFor({ timeout: 5_000 })
    const row = page.locator("tr", { hasText: "Bright Spark Electric" })
    await row.waitFor({ timeout: 5_000 })
    expect(Number(await row.locator('td[data-label="Delivered"]').textContent({ timeout: 5_000 }))).toBeGreaterThanOrEqual(4)
    // Today's bar, the last: the deliveries of the tests before.
    await page.locator("svg.chart rect.bar-deliveries").last().waitFor({ timeout: 5_000 })
    expect(await page.getByRole("img", { name: /^30 days: \d+ deliveries, \d+ completions$/ }).count()).toBe(1)
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 5_000 }), page.getByRole("button", { name: "Download CSV" }).click()])
    expect(download.suggestedFilename()).toMatch(/^companies-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync(await download.path(), "utf8")
    expect(csv.split("\r\n")[0]).toBe("company_id,company_name,delivered,completed,canceled,revenue,conversion_rate,delivery_p50_ms,delivery_p95_ms")
    expect(csv).toContain(",Bright Spark Electric,")
    await page.screenshot({ path: new URL("dashboard-reports.png", SCREENSHOTS).pathname, fullPage: true })
  })

  it("shows a scheduled job as scheduled, with its deliver_after, in the list and on the job", async () => {
    const skill = `garden-${crypto.randomUUID().slice(0, 6)}`
    await company(api, "Later Landscaping", skill)
    const creator = await company(api, "Planner", `pl-${crypto.randomUUID().slice(0, 6)}`)
    const deliverAfter = new Date(Date.now() + 3_600_000).toISOString()
    const job = await api.post("/jobs", { ...jobFor(creator.id, skill, 3), deliver_after: deliverAfter })
    await page.goto(`${url}/dashboard#jobs`)
    await expectShown(page.locator(`tr[data-key="${job.id}"]`).locator(".badge", { hasText: "scheduled" }))
    await page.goto(`${url}/dashboard#job/${job.id}`)
    await expectShown(page.getByText("Deliver after", { exact: true }))
    const routing = page.locator(`article[data-routing="${job.routings[0].id}"]`)
    await expectShown(routing.locator(".badge", { hasText: "scheduled" }))
    await expectShown(routing.getByText("scheduled delivery time (deliver after)"))
  })

  it("searches jobs by phone digits or a name from the Jobs page, the search kept in the URL", async () => {
    const skill = `find-${crypto.randomUUID().slice(0, 6)}`
    await company(api, "Findable Fixers", skill)
    const creator = await company(api, "Search Creator", `sc-${crypto.randomUUID().slice(0, 6)}`)
    const digits = String(Math.floor(1e9 + Math.random() * 9e9))
    const surname = `Quill${crypto.randomUUID().slice(0, 6)}`
    const byPhone = await api.post("/jobs", {
      ...jobFor(creator.id, skill, 5),
      homeowner: { name: "Pat Caller", phone: `+1 ${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}` }
    })
    const byName = await api.post("/jobs", { ...jobFor(creator.id, skill, 6), homeowner: { name: `Robin ${surname}` } })
    await page.goto(`${url}/dashboard#jobs`)
    const search = async (text: string) => {
      await page.getByLabel("Search", { exact: true }).fill(text)
      await page.getByRole("button", { name: "Search", exact: true }).click()
    }
    await search(`(${digits.slice(0, 3)}) ${digits.slice(3, 7)}`)
    await page.locator(`tr[data-key="${byPhone.id}"]`).waitFor({ timeout: 5_000 })
    // The list is drawn again at every refresh: its rows are counted once it has settled on the search's answer.
    const rows = () => page.locator("tbody tr").count()
    await eventually(async () => (await rows()) === 1, 5_000, async () => `${await rows()} rows`)
    expect(new URL(page.url()).hash).toContain("q=")
    await search(surname.toLowerCase())
    await page.locator(`tr[data-key="${byName.id}"]`).waitFor({ timeout: 5_000 })
    expect(await page.locator(`tr[data-key="${byPhone.id}"]`).count()).toBe(0)
  })

  it("with a viewer key, shows every section and no button of an action it could not take", async () => {
    const skill = `view-${crypto.randomUUID().slice(0, 6)}`
    const failing = await company(api, "Never Up Viewing", skill, { failure_rate: 1 })
    const creator = await company(api, "View Creator", `vc-${crypto.randomUUID().slice(0, 6)}`)
    const job = await api.post("/jobs", jobFor(creator.id, skill, 4))
    const routingId = job.routings[0].id as string
    await eventually(async () => (await api.get(`/routings/${routingId}`)).sync_status === "failed", 15_000,
      async () => JSON.stringify(await api.get(`/routings/${routingId}`)))
    const letter = (await api.get("/admin/dlq")).items.find((d: { routing_id: string }) => d.routing_id === routingId)
    const viewer = await api.post("/api-keys", { role: "viewer", name: "dashboard viewer" })

    const asViewer = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    asViewer.on("pageerror", (error) => pageErrors.push(String(error)))
    asViewer.on("request", (request) => requested.push(request.url()))
    try {
      await asViewer.goto(`${url}/dashboard`)
      await signIn(viewer.key, asViewer)
      await asViewer.getByRole("heading", { name: "Overview" }).waitFor({ timeout: 5_000 })
      await asViewer.locator(`tr[data-key="${job.id}"]`).waitFor({ timeout: 5_000 })

      await asViewer.getByRole("link", { name: "Companies" }).click()
      await asViewer.locator(`tr[data-key="${failing.id}"]`).waitFor({ timeout: 5_000 })
      expect(await asViewer.getByRole("button", { name: /^(Pause|Resume) / }).count()).toBe(0)
      expect(await asViewer.getByRole("button", { name: "Retry failed" }).count()).toBe(0)
      expect(await asViewer.getByRole("columnheader", { name: "Delivery" }).count()).toBe(0)

      await asViewer.getByRole("link", { name: "Dead letters" }).click()
      await asViewer.locator(`tr[data-key="${letter.id}"]`).waitFor({ timeout: 5_000 })
      expect(await asViewer.getByRole("button", { name: /(Replay|Delete) dead letter/ }).count()).toBe(0)
      expect(await asViewer.getByRole("button", { name: "Replay all" }).count()).toBe(0)

      await asViewer.goto(`${url}/dashboard#job/${job.id}`)
      const routing = asViewer.locator(`article[data-routing="${routingId}"]`)
      await routing.locator(".badge", { hasText: "failed" }).waitFor({ timeout: 5_000 })
      expect(await asViewer.getByRole("button", { name: /^Retry/ }).count()).toBe(0)
      await asViewer.getByRole("link", { name: "Jobs", exact: true }).click()
      await asViewer.getByRole("button", { name: "Search" }).waitFor({ timeout: 5_000 })
      expect(requested.filter((u) => u.includes(viewer.key))).toEqual([])
    } finally {
      await asViewer.close()
    }
    // The admin, on the same job, is offered the retry the viewer was not.
    await page.goto(`${url}/dashboard#job/${job.id}`)
    await expectShown(page.getByRole("button", { name: /^Retry the routing to / }))
  })

  it("fits a phone's width, and no script failed", async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${url}/dashboard#companies`)
    await page.getByRole("heading", { name: "Companies" }).waitFor()
    await page.getByRole("button", { name: "Pause Cool Air HVAC" }).waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: new URL("dashboard-phone.png", SCREENSHOTS).pathname })
    expect(pageErrors).toEqual([])
  })
})
