// The banner of open alerts at the top of every section: how many, the newest few, each linked to what it is about.
import { h, update } from "./dom.js"
import { ago } from "./format.js"

/** The open alerts the banner names; the rest are counted. */
const SHOWN = 3

/** Where an alert leads: its routing (which opens its job), its job, or the companies. */
const linkOf = (alert) =>
  alert.routing_id ? `#routing/${alert.routing_id}` : alert.job_id ? `#job/${alert.job_id}` : "#companies"

/** Fills `element` with the open alerts (`GET /alerts`) at each `refresh`; it is hidden while none is open. */
export const makeBanner = (element, api) => ({
  refresh: async () => {
    const open = await api.get(`/alerts?limit=${SHOWN}`)
    element.hidden = open.total === 0
    update(element, open, ({ items, total }) => [
      h("h2", {}, total === 1 ? "1 open alert" : `${total} open alerts`),
      h("ul", {}, items.map((alert) =>
        h("li", { "data-type": alert.type },
          h("a", { href: linkOf(alert) }, alert.message), " ", h("small", {}, `(${alert.type}, ${ago(alert.opened_at)})`)))),
      total > items.length ? h("p", {}, `and ${total - items.length} more`) : null
    ])
  },
  clear: () => {
    element.hidden = true
  }
})
