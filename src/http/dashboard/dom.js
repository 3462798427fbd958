// Building the page from data without ever parsing it as HTML: every text goes in as text.

/**
 * An element: `h("a", { href: "#jobs", class: "x", onclick: f, "aria-label": "..." }, "text", child)`.
 * Attributes whose value is null, undefined or false are left out; `true` sets an empty attribute.
 */
export const h = (tag, attributes = {}, ...children) => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? "" : String(value))
  }
  append(element, children)
  return element
}

const append = (element, children) => {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/** Replaces what `element` holds. */
export const replace = (element, ...children) => {
  element.replaceChildren()
  append(element, children)
}

/**
 * A table in a scrolling frame (narrow screens scroll it sideways): `columns` are `{ label, cell(row) }`, `caption`
 * names it for screen readers, `empty` is shown instead when there are no rows.
 */
export const table = ({ caption, columns, rows, empty, rowKey }) =>
  rows.length === 0
    ? h("p", { class: "empty" }, empty)
    : h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
      h("table", {},
        h("caption", { class: "visually-hidden" }, caption),
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
        h("tbody", {}, rows.map((row) =>
          h("tr", { "data-key": rowKey?.(row) }, columns.map((c) => h("td", { "data-label": c.label }, c.cell(row))))))))

/** A status word as a coloured badge (the colour is a hint; the word says it). */
export const badge = (text, tone = text) => h("span", { class: `badge badge-${String(tone).replace(/[^a-z_]/gi, "")}` }, text)

/** A card with a title and a main figure. */
export const card = (title, figure, ...details) =>
  h("section", { class: "card", "aria-label": title }, h("h2", {}, title), h("p", { class: "figure" }, figure), details)

const shown = new WeakMap()

/** Rebuilds `element` from `data` only when the data changed, so that a refresh keeps focus and selection in place. */
export const update = (element, data, build) => {
  const fingerprint = JSON.stringify(data)
  if (shown.get(element) === fingerprint) return
  shown.set(element, fingerprint)
  replace(element, build(data))
}

const backToLabel = new WeakMap()

/** Asks twice: the first press turns the button into a confirmation for a few seconds, the second does `work`. */
export const confirmed = (button, label, confirmLabel, work) => {
  clearTimeout(backToLabel.get(button))
  if (button.dataset.confirm !== "yes") {
    button.dataset.confirm = "yes"
    button.textContent = confirmLabel
    backToLabel.set(button, setTimeout(() => {
      button.dataset.confirm = ""
      button.textContent = label
    }, 4000))
    return
  }
  button.dataset.confirm = ""
  button.textContent = label
  void work()
}
