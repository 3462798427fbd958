// Jobs: search by id, words or phone digits, company, status, priority, routing status or creation date; one job with its routings' timelines; a routing leads to its job.
import { ApiFailure } from "./api.js"
import { badge, h, replace, table, update } from "./dom.js"
import { count, duration, money, shortId, time } from "./format.js"

const STATUSES = ["pending", "routed", "in_progress", "completed", "canceled", "unmatched"]
const PRIORITIES = ["urgent", "high", "normal", "low"]
const ROUTING_STATUSES = ["scheduled", "pending", "syncing", "synced", "retrying", "failed", "canceled"]
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const PAGE = 50

/** How many routings were delivered; for a job still waiting for its `deliver_after`, when it goes out. */
const deliveredCell = (job) => {
  const delivered = `${job.routings.filter((r) => r.sync_status === "synced").length} of ${job.routings.length}`
  return job.routings.some((r) => r.sync_status === "scheduled")
    ? [delivered, " ", badge("scheduled"), ` for ${time(job.deliver_after)}`]
    : delivered
}

const jobColumns = (names) => [
  { label: "Job", cell: (job) => h("a", { href: `#job/${job.id}`, title: job.id }, `${shortId(job.id)} · ${job.summary}`) },
  { label: "Status", cell: (job) => badge(job.status) },
  { label: "Priority", cell: (job) => job.priority },
  { label: "Delivered", cell: (job) => deliveredCell(job) },
  { label: "Created by", cell: (job) => names.get(job.created_by_company_id) ?? shortId(job.created_by_company_id) },
  { label: "Accepted", cell: (job) => time(job.created_at) }
]

/**
 * The search form and its results; the search lives in the URL fragment
 * (`#jobs?q=…&status=…&priority=…&company=…&routing=…&before=…`, `before` a date: jobs created before that day began).
 */
export const mount = (root, ctx, _argument, params) => {
  const q = params.get("q") ?? ""
  const status = params.get("status") ?? ""
  const priority = params.get("priority") ?? ""
  const company = params.get("company") ?? ""
  const routingStatus = params.get("routing") ?? ""
  const before = params.get("before") ?? ""
  const filtered = Boolean(q || status || priority || company || routingStatus || before)
  const qInput = h("input", {
    id: "job-q", type: "search", autocomplete: "off", value: q, maxlength: "200", placeholder: "name, phone, email or words"
  })
  const idInput = h("input", { id: "job-id", type: "search", autocomplete: "off", spellcheck: "false", placeholder: "a job id" })
  const idError = h("p", { class: "error", role: "alert" })
  const companySelect = h("select", { id: "job-company" }, h("option", { value: "" }, "Any company"))
  const statusSelect = h("select", { id: "job-status" }, h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s.replace("_", " "))))
  const prioritySelect = h("select", { id: "job-priority" }, h("option", { value: "" }, "Any priority"),
    PRIORITIES.map((p) => h("option", { value: p, selected: p === priority }, p)))
  const routingSelect = h("select", { id: "job-routing-status" }, h("option", { value: "" }, "Any routing status"),
    ROUTING_STATUSES.map((s) => h("option", { value: s, selected: s === routingStatus }, s)))
  const beforeInput = h("input", { id: "job-before", type: "date", value: before })
  const results = h("div")
  const loadMore = h("button", { type: "button", class: "quiet", hidden: true }, "Load more")
  let jobs = []
  let cursor = null
  let pagesLoaded = 1

  const query = (after) => {
    const search = new URLSearchParams({ limit: String(PAGE) })
    if (status) search.set("status", status)
    if (priority) search.set("priority", priority)
    if (company) search.set("company_id", company)
    if (q) search.set("q", q)
    if (routingStatus) search.set("routing_status", routingStatus)
    // The start of the chosen day where the browser is.
    if (before) search.set("created_before", new Date(`${before}T00:00`).toISOString())
    if (after) search.set("cursor", after)
    return `/jobs?${search}`
  }

  const render = (names) =>
    update(results, { jobs, names: [...names] }, () =>
      table({
        caption: "Jobs found",
        empty: filtered ? "No job matches this search." : "No jobs yet.",
        rows: jobs,
        rowKey: (job) => job.id,
        columns: jobColumns(names)
      }))

  const openById = (event) => {
    event.preventDefault()
    const id = idInput.value.trim()
    if (!UUID.test(id)) {
      idError.textContent = "A job id looks like 0f8fad5b-d9cb-469f-a165-70867728950e."
      return
    }
    ctx.navigate(`job/${id.toLowerCase()}`)
  }

  const search = (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    if (qInput.value.trim()) next.set("q", qInput.value.trim())
    if (statusSelect.value) next.set("status", statusSelect.value)
    if (prioritySelect.value) next.set("priority", prioritySelect.value)
    if (companySelect.value) next.set("company", companySelect.value)
    if (routingSelect.value) next.set("routing", routingSelect.value)
    if (beforeInput.value) next.set("before", beforeInput.value)
    ctx.navigate(`jobs?${next}`)
  }

  loadMore.addEventListener("click", async () => {
    loadMore.disabled = true
    try {
      const page = await ctx.api.get(query(cursor))
      jobs = [...jobs, ...page.items]
      cursor = page.next_cursor
      pagesLoaded++
      render(await ctx.companyNames())
    } catch (failure) {
      ctx.notify(`Could not load more jobs: ${failure.message}`, true)
    } finally {
      loadMore.disabled = false
      loadMore.hidden = cursor === null
    }
  })

  replace(root,
    h("h1", {}, "Jobs"),
    h("div", { class: "search-forms" },
      h("form", { class: "toolbar", "aria-label": "Open a job by id", onsubmit: openById },
        h("label", { for: "job-id" }, "Job id"), idInput, h("button", { type: "submit" }, "Open"), idError),
      h("form", { class: "toolbar", "aria-label": "Search jobs", onsubmit: search },
        h("label", { for: "job-q" }, "Search"), qInput,
        h("label", { for: "job-company" }, "Company"), companySelect,
        h("label", { for: "job-status" }, "Status"), statusSelect,
        h("label", { for: "job-priority" }, "Priority"), prioritySelect,
        h("label", { for: "job-routing-status" }, "Routing"), routingSelect,
        h("label", { for: "job-before" }, "Created before"), beforeInput,
        h("button", { type: "submit" }, "Search"))),
    results,
    loadMore)

  return {
    refresh: async () => {
      const names = await ctx.companyNames()
      if (companySelect.options.length === 1) {
        for (const [id, name] of [...names].sort((a, b) => a[1].localeCompare(b[1]))) {
          companySelect.append(h("option", { value: id, selected: id === company }, name))
        }
      }
      // Once more pages are shown, the list stays as it is rather than jump back to the first page.
      if (pagesLoaded > 1) return
      const page = await ctx.api.get(query(null))
      jobs = page.items
      cursor = page.next_cursor
      loadMore.hidden = cursor === null
      render(names)
    }
  }
}

/** Everything that happened to a routing, in order; a scheduled job's `deliver_after` among it. */
const timelineOf = (job, routing) =>
  [
    { at: routing.created_at, what: "routed to the company", tone: "pending" },
    ...(job.deliver_after && Date.parse(job.deliver_after) > Date.parse(job.created_at)
      ? [{ at: job.deliver_after, what: "scheduled delivery time (deliver after)", tone: "scheduled" }]
      : []),
    ...routing.attempts_log.map((a) => ({
      at: a.at,
      what: `attempt: ${a.outcome.replace(/_/g, " ")} in ${duration(a.duration_ms)}${a.error ? ` — ${a.error}` : ""}`,
      tone: a.outcome
    })),
    ...(routing.synced_at ? [{ at: routing.synced_at, what: `delivered as ${routing.external_id}`, tone: "synced" }] : []),
    ...(routing.completed_at ? [{ at: routing.completed_at, what: "completed at the provider", tone: "completed" }] : [])
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))

const jaegerLink = (ctx, job) => {
  if (!ctx.jaegerUiUrl) return null
  const created = Date.parse(job.created_at)
  const search = new URLSearchParams({
    service: ctx.serviceName,
    tags: JSON.stringify({ "job.id": job.id }),
    lookback: "custom",
    start: String((created - 60_000) * 1000),
    end: String((created + 86_400_000) * 1000),
    limit: "20"
  })
  return h("a", { href: `${ctx.jaegerUiUrl}/search?${search}`, target: "_blank", rel: "noopener noreferrer", class: "button-link" }, "Open the trace in Jaeger")
}

const routingSection = (ctx, job, routing, companyName, onRetry) =>
  h("article", { class: "panel routing", "aria-label": `Routing to ${companyName}`, "data-routing": routing.id },
    h("h2", {}, companyName, " ", badge(routing.sync_status)),
    h("dl", { class: "pairs" },
      h("dt", {}, "Routing"), h("dd", { title: routing.id }, shortId(routing.id)),
      h("dt", {}, "External id"), h("dd", {}, routing.external_id ?? "—"),
      h("dt", {}, "Status at the provider"), h("dd", {}, routing.external_status ?? "—"),
      h("dt", {}, "Revenue"), h("dd", {}, money(routing.revenue)),
      h("dt", {}, "Attempts"), h("dd", {}, count(routing.attempts)),
      h("dt", {}, "Score"), h("dd", {}, String(routing.score)),
      routing.last_error ? [h("dt", {}, "Last error"), h("dd", { class: "error-text" }, routing.last_error)] : null),
    h("h3", {}, "Timeline"),
    h("ol", { class: "timeline" }, timelineOf(job, routing).map((event) =>
      h("li", { class: `tone-${event.tone.replace(/[^a-z_]/gi, "")}` }, h("time", { datetime: event.at }, time(event.at)), " ", event.what))),
    routing.sync_status === "failed" && onRetry !== null
      ? h("button", { type: "button", "aria-label": `Retry the routing to ${companyName}`, onclick: (e) => onRetry(routing, e.currentTarget) }, "Retry delivery")
      : null)

/** One job: its fields, a link to its trace, and each routing with its timeline. */
export const detail = {
  mount: (root, ctx, id) => {
    const body = h("div")
    replace(root, h("p", {}, h("a", { href: "#jobs" }, "← Jobs")), body)

    const retry = async (routing, button) => {
      button.disabled = true
      try {
        await ctx.api.post(`/routings/${routing.id}/retry`)
        ctx.notify("Routing queued for delivery again")
      } catch (failure) {
        ctx.notify(`Could not retry: ${failure.message}`, true)
        button.disabled = false
      }
    }

    return {
      refresh: async () => {
        let job
        try {
          job = await ctx.api.get(`/jobs/${encodeURIComponent(id)}`)
        } catch (failure) {
          if (failure instanceof ApiFailure && (failure.status === 404 || failure.status === 400)) {
            update(body, "missing", () => h("p", { class: "empty" }, `No job with the id ${id}.`))
            return
          }
          throw failure
        }
        const [routings, names] = await Promise.all([
          Promise.all(job.routings.map((r) => ctx.api.get(`/routings/${r.id}`))),
          ctx.companyNames()
        ])
        const nameOf = (companyId) => names.get(companyId) ?? shortId(companyId)
        update(body, { job, routings }, () => [
          h("h1", {}, `Job ${shortId(job.id)}: ${job.summary}`, " ", badge(job.status)),
          h("dl", { class: "pairs" },
            h("dt", {}, "Id"), h("dd", {}, job.id),
            h("dt", {}, "Accepted"), h("dd", {}, time(job.created_at)),
            h("dt", {}, "Created by"), h("dd", {}, nameOf(job.created_by_company_id)),
            h("dt", {}, "Where"), h("dd", {}, `${job.address.city}, ${job.address.state} ${job.address.zip_code}`),
            h("dt", {}, "Skills"), h("dd", {}, job.required_skills.join(", ")),
            h("dt", {}, "Priority"), h("dd", {}, job.priority ?? "—"),
            job.deliver_after ? [h("dt", {}, "Deliver after"), h("dd", {}, time(job.deliver_after))] : null,
            job.archived ? [h("dt", {}, "Archived"), h("dd", {}, "yes")] : null),
          jaegerLink(ctx, job),
          routings.length === 0
            ? h("p", { class: "empty" }, "No company matched this job.")
            : routings.map((r) => routingSection(ctx, job, r, nameOf(r.company_id_received), ctx.canAct ? retry : null))
        ])
      }
    }
  }
}

/** `#routing/<id>`: opens the routing's job. */
export const routing = {
  mount: (root, ctx, id) => {
    replace(root, h("p", {}, "Opening the routing's job…"))
    return {
      refresh: async () => {
        try {
          const found = await ctx.api.get(`/routings/${encodeURIComponent(id)}`)
          location.replace(`#job/${found.job_id}`)
        } catch (failure) {
          if (!(failure instanceof ApiFailure) || failure.status >= 500 || failure.status === 0) throw failure
          replace(root, h("p", { class: "empty" }, `No routing with the id ${id}.`))
        }
      }
    }
  }
}
