// Dead letters: the routings delivery gave up on, why, and replay or delete.
import { h, replace, table, update } from "./dom.js"
import { count, shortId, time } from "./format.js"

const LIMIT = 200

export const mount = (root, ctx) => {
  const list = h("div")
  let rows = []

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

  /** Deleting asks twice: the first press turns the button into a confirmation for a few seconds. */
  const remove = (letter, button) => {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes"
      button.textContent = "Confirm delete"
      setTimeout(() => {
        button.dataset.confirm = ""
        button.textContent = "Delete"
      }, 4000)
      return
    }
    void act(button, `Dead letter ${letter.id} deleted`, () => ctx.api.delete(`/admin/dlq/${letter.id}`))
  }

  const refresh = async () => {
    const [letters, names] = await Promise.all([ctx.api.get(`/admin/dlq?limit=${LIMIT}`), ctx.companyNames()])
    rows = letters.items.map((letter) => ({ letter, company: names.get(letter.company_id) ?? shortId(letter.company_id) }))
    update(list, rows, (rows) =>
      table({
        caption: "Dead letters, oldest first",
        empty: "No dead letters. A routing that delivery gives up on (a permanent error, or its last attempt) is listed here.",
        rows,
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

  replace(root,
    h("h1", {}, "Dead letters"),
    h("p", { class: "hint" }, "Replay puts the routing back to pending and delivers it again (fix the cause first, e.g. the company's provider settings); delete drops the dead letter and leaves the routing failed."),
    list)
  return { refresh }
}
