// Dead letters: the routings delivery gave up on, why, and replay or delete, one at a time or every one a filter matches.
import { confirmed, h, replace, table, update } from "./dom.js"
import { count, shortId, time } from "./format.js"

const LIMIT = 200

export const mount = (root, ctx) => {
  const list = h("div")
  const company = h("select", { id: "dlq-company" }, h("option", { value: "" }, "Any company"))
  const reason = h("input", { id: "dlq-reason", type: "search", autocomplete: "off", maxlength: "200", placeholder: "e.g. 401" })
  const before = h("input", { id: "dlq-before", type: "datetime-local" })
  const replayAll = h("button", { type: "button", class: "danger" }, "Replay all")
  let rows = []
  let companyOptions = ""

  /** The filter as the bulk replay takes it (fields left empty are left out). */
  const filterBody = () => ({
    ...(company.value === "" ? {} : { company_id: company.value }),
    ...(reason.value.trim() === "" ? {} : { reason_contains: reason.value.trim() }),
    ...(before.value === "" ? {} : { before: new Date(before.value).toISOString() })
  })

  /** The same filter on the letters shown, so that the list shows what "Replay all" takes (among the first 200). */
  const shownBy = (filter) => ({ letter }) =>
    (filter.company_id === undefined || letter.company_id === filter.company_id) &&
    (filter.reason_contains === undefined || letter.reason.toLowerCase().includes(filter.reason_contains.toLowerCase())) &&
    (filter.before === undefined || new Date(letter.failed_at) < new Date(filter.before))

  const act = async (button, verb, work) => {
    button.disabled = true
    try {
      await work()
      ctx.notify(verb)
      await refresh()
    } catch (failure) {
      ctx.notify(`${failure.message}`, true)
      button.disabled = false
    }
  }

  const replay = (letter, button) =>
    act(button, `Dead letter ${letter.id} replayed: its routing is queued for delivery again`, () =>
      ctx.api.post(`/admin/dlq/${letter.id}/replay`))

  /** Deleting asks twice. */
  const remove = (letter, button) =>
    confirmed(button, "Delete", "Confirm delete", () =>
      act(button, `Dead letter ${letter.id} deleted`, () => ctx.api.delete(`/admin/dlq/${letter.id}`)))

  /** Replays every dead letter the filter matches (not only those shown), after a confirmation. */
  const replayMatching = () =>
    confirmed(replayAll, "Replay all", "Confirm replay all", async () => {
      replayAll.disabled = true
      try {
        const done = await ctx.api.post("/admin/dlq/replay", filterBody())
        ctx.notify(`Replayed ${count(done.count)} dead letters: their routings are queued for delivery again` +
          (done.skipped > 0 ? ` (${count(done.skipped)} skipped: no routing, or no longer failed)` : ""))
        await refresh()
      } catch (failure) {
        ctx.notify(`Could not replay: ${failure.message}`, true)
      } finally {
        replayAll.disabled = false
      }
    })

  /** The company choices, rebuilt only when the companies changed, keeping the one chosen. */
  const fillCompanies = (names) => {
    const options = [...names].sort((a, b) => a[1].localeCompare(b[1]))
    const fingerprint = JSON.stringify(options)
    if (fingerprint === companyOptions) return
    companyOptions = fingerprint
    const chosen = company.value
    replace(company, h("option", { value: "" }, "Any company"), options.map(([id, name]) => h("option", { value: id }, name)))
    company.value = chosen
  }

  const render = () => {
    const filter = filterBody()
    update(list, { rows, filter }, ({ rows, filter }) =>
      table({
        caption: "Dead letters, oldest first",
        empty: rows.length === 0
          ? "No dead letters. A routing that delivery gives up on (a permanent error, or its last attempt) is listed here."
          : "No dead letter shown matches the filter.",
        rows: rows.filter(shownBy(filter)),
        rowKey: ({ letter }) => String(letter.id),
        columns: [
          { label: "Failed", cell: ({ letter }) => time(letter.failed_at) },
          { label: "Company", cell: ({ company }) => company },
          {
            label: "Routing",
            cell: ({ letter }) => (letter.routing_id ? h("a", { href: `#routing/${letter.routing_id}`, title: letter.routing_id }, shortId(letter.routing_id)) : "—")
          },
          { label: "Reason", cell: ({ letter }) => h("span", { class: "error-text" }, letter.reason) },
          { label: "Attempts", cell: ({ letter }) => count(letter.attempts) },
          // A viewer may not replay or delete: no column of buttons.
          ...(ctx.canAct ? [{
            label: "Actions",
            cell: ({ letter }) => {
              const replayButton = h("button", { type: "button", "aria-label": `Replay dead letter ${letter.id}` }, "Replay")
              replayButton.addEventListener("click", () => replay(letter, replayButton))
              const deleteButton = h("button", { type: "button", class: "danger", "aria-label": `Delete dead letter ${letter.id}` }, "Delete")
              deleteButton.addEventListener("click", () => remove(letter, deleteButton))
              return h("span", { class: "actions" }, replayButton, deleteButton)
            }
          }] : [])
        ]
      }))
  }

  const refresh = async () => {
    const [letters, names] = await Promise.all([ctx.api.get(`/admin/dlq?limit=${LIMIT}`), ctx.companyNames()])
    fillCompanies(names)
    rows = letters.items.map((letter) => ({ letter, company: names.get(letter.company_id) ?? shortId(letter.company_id) }))
    render()
  }

  for (const field of [company, reason, before]) field.addEventListener("input", render)
  replayAll.addEventListener("click", replayMatching)
  replace(root,
    h("h1", {}, "Dead letters"),
    h("p", { class: "hint" }, "Replay puts the routing back to pending and delivers it again (fix the cause first, e.g. the company's provider settings); delete drops the dead letter and leaves the routing failed."),
    h("div", { class: "toolbar" },
      h("label", { for: "dlq-company" }, "Company"), company,
      h("label", { for: "dlq-reason" }, "Reason contains"), reason,
      h("label", { for: "dlq-before" }, "Failed before"), before,
      // A viewer may not replay: no button.
      ctx.canAct ? replayAll : null),
    ctx.canAct ? h("p", { class: "hint" }, "Replay all replays every dead letter the filter matches, not only the 200 shown.") : null,
    list)
  return { refresh }
}
