// Paired bar charts in SVG: two figures of each period side by side, the latest period on the right.

const SVG = "http://www.w3.org/2000/svg"

const svg = (tag, attributes = {}, ...children) => {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  for (const child of children) element.append(child)
  return element
}

/**
 * A chart of `items` in which each item is the bars of its two `series` (`[field, kind]`: the item's figure, and the
 * bar's class `bar-<kind>`), scaled to the largest figure, which the axis names per `unit`; `label` says what it shows
 * to a screen reader and `periodOf` names an item in a bar's tooltip.
 */
export const pairedBarChart = ({ items, series, unit, label, periodOf }) => {
  const width = 900
  const height = 180
  const top = Math.max(1, ...items.flatMap((item) => series.map(([field]) => item[field])))
  const slot = width / Math.max(1, items.length)
  const bar = (item, [field, kind], position) => {
    const barHeight = (item[field] / top) * (height - 20)
    return svg("rect", {
      class: `bar bar-${kind}`,
      x: (position + 0.1 * slot).toFixed(1),
      y: (height - barHeight).toFixed(1),
      width: (slot * 0.4).toFixed(1),
      height: barHeight.toFixed(1)
    }, svg("title", {}, `${periodOf(item)}: ${item[field]} ${kind}`))
  }
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label },
    svg("text", { x: 0, y: 12, class: "axis" }, `${top} / ${unit}`),
    ...items.flatMap((item, i) => series.map((pair, j) => bar(item, pair, i * slot + j * slot * 0.4))))
}

/** The sum of one figure over the items, for a chart's label. */
export const totalOf = (items, field) => items.reduce((sum, item) => sum + item[field], 0)
