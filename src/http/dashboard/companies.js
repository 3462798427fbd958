// Companies: each one's service areas, actor, backlog, circuit and rate-limit headroom, with pause, resume and a retry of its failed routings.
import { badge, confirmed, h, replace, table, update } from "./dom.js"
import { count, shortId } from "./format.js"

const backlogOf = (actor) => (actor === undefined || actor.pending === null ? null : actor.pending + (actor.ack_pending ?? 0))

/** The areas a company serves, as the Serves column shows them: the first few ZIP codes or prefixes and how many more. */
const SHOWN_AREAS = 4
const servesText = (areas) =>
  areas.length === 0
    ? "everywhere"
    : areas.slice(0, SHOWN_AREAS).join(", ") + (areas.length > SHOWN_AREAS ? ` and ${count(areas.length - SHOWN_AREAS)} more` : "")

const matches = (company, text) =>
  text === "" || company.name.toLowerCase().includes(text.toLowerCase()) || company.id.startsWith(text.toLowerCase())

export const mount = (root, ctx) => {
  const filter = h("input", { id: "company-filter", type: "search", autocomplete: "off", placeholder: "Name or id" })
  const list = h("div")
  const more = h("p", { class: "hint" })
  let rows = []

  const toggle = async (company, button) => {
    const action = company.delivery_paused ? "resume" : "pause"
    button.disabled = true
    try {
      await ctx.api.post(`/admin/companies/${company.id}/${action}`)
      ctx.notify(`${action === "pause" ? "Paused" : "Resumed"} delivery to ${company.name}`)
      await refresh()
    } catch (failure) {
      ctx.notify(`Could not ${action} ${company.name}: ${failure.message}`, true)
      button.disabled = false
    }
  }

  /** Delivers again every failed routing of the company, after a confirmation. */
  const retryFailed = (company, button) =>
    confirmed(button, "Retry failed", "Confirm retry", async () => {
      button.disabled = true
      try {
        const done = await ctx.api.post("/admin/routings/retry", { company_id: company.id, status: "failed" })
        ctx.notify(`Retried ${count(done.count)} failed routings of ${company.name}: they are queued for delivery again`)
      } catch (failure) {
        ctx.notify(`Could not retry the failed routings of ${company.name}: ${failure.message}`, true)
      } finally {
        button.disabled = false
      }
    })

  const render = () =>
    update(list, { rows, filter: filter.value.trim() }, ({ rows, filter }) =>
      table({
        caption: "Companies and their delivery",
        empty: filter === "" ? "No companies yet." : "No company matches the filter.",
        rows: rows.filter(({ company }) => matches(company, filter)),
        rowKey: ({ company }) => company.id,
        columns: [
          { label: "Company", cell: ({ company }) => h("span", { title: company.id }, company.name, h("small", {}, ` ${shortId(company.id)}`)) },
          { label: "Serves", cell: ({ company }) => h("span", { title: company.service_areas.join(", ") }, servesText(company.service_areas)) },
          {
            label: "Actor",
            cell: ({ company, actor }) =>
              company.delivery_paused ? badge("paused") : actor === undefined ? badge("no actor", "idle") : badge(actor.state)
          },
          { label: "Backlog", cell: ({ actor }) => count(backlogOf(actor)) },
          { label: "In flight", cell: ({ actor }) => count(actor?.in_flight) },
          { label: "Circuit", cell: ({ actor }) => (actor === undefined ? "—" : badge(actor.circuit.replace("_", " "), actor.circuit)) },
          {
            label: "Rate limit",
            cell: ({ company, actor }) =>
              `${actor?.tokens === null || actor?.tokens === undefined ? "—" : count(Math.floor(actor.tokens))} left of ${count(company.rate_limit_per_minute)}/min` +
              (actor?.rate_limited_until ? ` (provider asked to wait until ${new Date(actor.rate_limited_until).toLocaleTimeString()})` : "")
          },
          { label: "Last error", cell: ({ actor }) => (actor?.last_error ? h("span", { class: "error-text", title: actor.last_error }, actor.last_error) : "—") },
          // A viewer may not pause, resume or retry: no column of buttons.
          ...(ctx.canAct ? [{
            label: "Delivery",
            cell: ({ company }) => {
              const button = h("button", {
                type: "button",
                class: company.delivery_paused ? "" : "quiet",
                "aria-label": `${company.delivery_paused ? "Resume" : "Pause"} ${company.name}`
              }, company.delivery_paused ? "Resume" : "Pause")
              button.addEventListener("click", () => toggle(company, button))
              const retry = h("button", { type: "button", class: "quiet", title: `Retry the failed routings of ${company.name}` }, "Retry failed")
              retry.addEventListener("click", () => retryFailed(company, retry))
              return h("span", { class: "actions" }, button, retry)
            }
          }] : [])
        ]
      }))

  const refresh = async () => {
    const [page, actors] = await Promise.all([ctx.api.get("/companies?limit=200"), ctx.api.get("/admin/workers")])
    const byCompany = new Map(actors.items.map((a) => [a.company_id, a]))
    rows = page.items.map((company) => ({ company, actor: byCompany.get(company.id) }))
    more.textContent = page.next_cursor ? "Showing the first 200 companies; filter by name or id to find others among them." : ""
    render()
  }

  filter.addEventListener("input", render)
  replace(root,
    h("h1", {}, "Companies"),
    h("p", { class: "hint" }, "Backlog is what waits in the company's queue; a paused company or an open circuit takes nothing until it is resumed or the provider recovers."),
    h("div", { class: "toolbar" }, h("label", { for: "company-filter" }, "Filter"), filter),
    list,
    more)
  return { refresh }
}
