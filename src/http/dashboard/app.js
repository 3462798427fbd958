// The dashboard: sign-in with an admin or viewer key, the sections, and their live refresh.
import { makeBanner } from "./alerts.js"
import { makeApi } from "./api.js"
import * as companies from "./companies.js"
import * as deadLetters from "./deadLetters.js"
import { h, replace } from "./dom.js"
import * as jobs from "./jobs.js"
import * as overview from "./overview.js"
import * as reports from "./reports.js"

/** Each section, by the first part of the URL's fragment. `job/<id>` is one job; `routing/<id>` opens its job. */
const views = {
  overview,
  companies,
  "dead-letters": deadLetters,
  jobs,
  job: jobs.detail,
  routing: jobs.routing,
  reports
}

/** How often the section on screen is refreshed. */
const REFRESH_MS = 1000

/** The key lives in this tab's session storage: gone when the tab closes, never in a URL. */
const KEY = "service-integration.admin-key"

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? ""

const elements = {
  nav: document.getElementById("nav"),
  signOut: document.getElementById("sign-out"),
  signIn: document.getElementById("sign-in"),
  form: document.getElementById("sign-in-form"),
  keyInput: document.getElementById("admin-key"),
  signInError: document.getElementById("sign-in-error"),
  view: document.getElementById("view"),
  status: document.getElementById("status"),
  alerts: document.getElementById("alerts-banner")
}

let key = sessionStorage.getItem(KEY)
/** The key's role (`GET /auth/me`): a viewer's sections show no actions, as it may take none. */
let role = null
let current = null
let refreshing = false
/** Until when the outcome of an action stays in the status bar, over the refreshes' "Updated" line. */
let noticeUntil = 0
const NOTICE_MS = 10_000

const setStatus = (text, isError = false) => {
  elements.status.textContent = text
  elements.status.classList.toggle("error", isError)
}

const api = makeApi(() => key, () => signOut("The service refused the key; sign in again."))

/** Open alerts over every section, refreshed with it. */
const banner = makeBanner(elements.alerts, api)

/** What every section gets: the API, where Jaeger is, a way to navigate and to say something in the status bar. */
const context = {
  api,
  jaegerUiUrl: meta("jaeger-ui-url"),
  /** False for a viewer key: sections leave out the buttons of actions (pause, replay, retry, delete). */
  get canAct() {
    return role === "admin"
  },
  serviceName: meta("service-name") || "service-integration",
  navigate: (hash) => {
    location.hash = hash
  },
  notify: (text, isError = false) => {
    setStatus(text, isError)
    noticeUntil = Date.now() + NOTICE_MS
  },
  /** Company names by id, read at most every 10 s (the first 200 companies; others show their id). */
  companyNames: (() => {
    let cached = null
    let readAt = 0
    return async () => {
      if (cached === null || Date.now() - readAt > 10_000) {
        const page = await api.get("/companies?limit=200")
        cached = new Map(page.items.map((c) => [c.id, c.name]))
        readAt = Date.now()
      }
      return cached
    }
  })()
}

const refresh = async () => {
  if (current === null || refreshing || document.hidden) return
  refreshing = true
  const shown = current
  try {
    await Promise.all([shown.refresh(), banner.refresh()])
    if (shown === current && Date.now() >= noticeUntil) setStatus(`Updated ${new Date().toLocaleTimeString()}`)
  } catch (failure) {
    if (shown === current && key !== null) setStatus(`Could not refresh: ${failure.message}`, true)
  } finally {
    refreshing = false
  }
}

const route = () => {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?")
  const [name = "overview", ...rest] = (path || "overview").split("/")
  return { name: views[name] ? name : "overview", argument: decodeURIComponent(rest.join("/")), params: new URLSearchParams(query) }
}

const show = () => {
  if (key === null || role === null) return
  current?.dispose?.()
  const { name, argument, params } = route()
  for (const link of elements.nav.querySelectorAll("a")) {
    const active = link.dataset.view === name || (name === "job" && link.dataset.view === "jobs")
    if (active) link.setAttribute("aria-current", "page")
    else link.removeAttribute("aria-current")
  }
  const container = h("div", { class: "view" })
  replace(elements.view, container)
  current = views[name].mount(container, context, argument, params)
  refreshing = false
  void refresh()
}

/** Learns the key's role, then shows the section; a failure says so in the status bar and is tried on the next hash change. */
const start = async () => {
  try {
    role = (await api.get("/auth/me")).role
    show()
  } catch (failure) {
    if (key !== null) setStatus(`Could not read the key's role: ${failure.message}`, true)
  }
}

const signedIn = (yes) => {
  elements.signIn.hidden = yes
  elements.nav.hidden = !yes
  elements.signOut.hidden = !yes
  elements.view.hidden = !yes
}

const signOut = (message = "") => {
  key = null
  role = null
  sessionStorage.removeItem(KEY)
  current?.dispose?.()
  current = null
  replace(elements.view)
  banner.clear()
  signedIn(false)
  elements.signInError.textContent = message
  setStatus("")
  elements.keyInput.focus()
}

elements.form.addEventListener("submit", async (event) => {
  event.preventDefault()
  const candidate = elements.keyInput.value.trim()
  if (candidate === "") {
    elements.signInError.textContent = "Enter an admin or viewer key."
    return
  }
  elements.signInError.textContent = ""
  const answer = await fetch("/admin/workers", { headers: { authorization: `Bearer ${candidate}` }, cache: "no-store" })
    .catch(() => null)
  if (answer === null) {
    elements.signInError.textContent = "The service cannot be reached."
  } else if (answer.status === 401) {
    elements.signInError.textContent = "This key is not valid."
  } else if (answer.status === 403) {
    elements.signInError.textContent = "This key is neither an admin nor a viewer key."
  } else if (!answer.ok) {
    elements.signInError.textContent = `The service answered ${answer.status}; try again.`
  } else {
    key = candidate
    sessionStorage.setItem(KEY, key)
    elements.keyInput.value = ""
    signedIn(true)
    void start()
  }
})

elements.signOut.addEventListener("click", () => signOut())
window.addEventListener("hashchange", () => (role === null ? void start() : show()))
document.addEventListener("visibilitychange", () => void refresh())
setInterval(() => void refresh(), REFRESH_MS)

if (key === null) signOut()
else {
  signedIn(true)
  void start()
}
