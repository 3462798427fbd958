/** Renders an OpenAPI 3.1 document as one self-contained HTML page (no scripts, no CDN), for `/docs`. */

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type Obj = { readonly [key: string]: Json }

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)
const str = (v: Json | undefined): string => (typeof v === "string" ? v : "")

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const refName = (schema: Obj): string | undefined => str(schema["$ref"]).split("/").pop() || undefined

/** A schema as a short TypeScript-like type, following `$ref`s to components one level at a time. */
const typeOf = (schema: Json | undefined, components: Obj, depth = 0): string => {
  if (!isObj(schema)) return "any"
  const ref = refName(schema)
  if (ref !== undefined) return depth > 0 ? ref : typeOf(components[ref], components, depth + 1)
  for (const key of ["anyOf", "oneOf"] as const) {
    const alts = schema[key]
    if (Array.isArray(alts)) return alts.map((a) => typeOf(a, components, depth)).join(" | ")
  }
  const enumValues = schema["enum"]
  if (Array.isArray(enumValues)) return enumValues.map((v) => JSON.stringify(v)).join(" | ")
  if ("const" in schema) return JSON.stringify(schema["const"])
  const type = schema["type"]
  const nullable = Array.isArray(type) && type.includes("null") ? " | null" : ""
  const base = Array.isArray(type) ? str(type.find((t) => t !== "null")) : str(type)
  if (base === "array") return `Array<${typeOf(schema["items"], components, depth)}>${nullable}`
  if (base === "object" || isObj(schema["properties"])) {
    const props = schema["properties"]
    if (!isObj(props)) return `Record<string, ${typeOf(schema["additionalProperties"], components, depth)}>${nullable}`
    const required = new Set(Array.isArray(schema["required"]) ? schema["required"].map(String) : [])
    const pad = "  ".repeat(depth + 1)
    const fields = Object.entries(props).map(([name, p]) =>
      `${pad}${name}${required.has(name) ? "" : "?"}: ${typeOf(p, components, depth + 1)}`
    )
    return `{\n${fields.join("\n")}\n${"  ".repeat(depth)}}${nullable}`
  }
  const format = str(schema["format"])
  return `${base || "any"}${format ? ` (${format})` : ""}${nullable}`
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const

const renderOperation = (path: string, method: string, op: Obj, components: Obj): string => {
  const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-")
  const params = Array.isArray(op["parameters"]) ? op["parameters"].filter(isObj) : []
  const body = isObj(op["requestBody"]) && isObj(op["requestBody"]["content"])
    ? op["requestBody"]["content"]["application/json"]
    : undefined
  const responses = isObj(op["responses"]) ? Object.entries(op["responses"]) : []
  return `
<section id="${id}">
  <h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
  <p>${escape(str(op["summary"]))}</p>
  ${op["description"] ? `<p class="d">${escape(str(op["description"]))}</p>` : ""}
  ${Array.isArray(op["security"]) && op["security"].length > 0 ? `<p class="auth">Needs <code>Authorization: Bearer &lt;key&gt;</code></p>` : ""}
  ${
    params.length === 0 ? "" : `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th></tr>${
      params.map((p) =>
        `<tr><td><code>${escape(str(p["name"]))}</code>${p["required"] === true ? "" : " (optional)"}</td><td>${
          escape(str(p["in"]))
        }</td><td><code>${escape(typeOf(p["schema"], components))}</code></td></tr>`
      ).join("")
    }</table>`
  }
  ${isObj(body) ? `<h4>Request body</h4><pre>${escape(typeOf(body["schema"], components))}</pre>` : ""}
  <h4>Responses</h4>
  <dl>${
    responses.map(([status, r]) => {
      const schema = isObj(r) && isObj(r["content"]) && isObj(r["content"]["application/json"])
        ? r["content"]["application/json"]["schema"]
        : undefined
      const name = isObj(schema) ? refName(schema) : undefined
      return `<dt>${escape(status)}${name ? ` <code>${escape(name)}</code>` : ""}</dt><dd>${
        escape(isObj(r) ? str(r["description"]) : "")
      }</dd>`
    }).join("")
  }</dl>
</section>`
}

export const renderDocsPage = (document: Obj): string => {
  const info = isObj(document["info"]) ? document["info"] : {}
  const paths = isObj(document["paths"]) ? document["paths"] : {}
  const components = isObj(document["components"]) && isObj(document["components"]["schemas"])
    ? document["components"]["schemas"]
    : {}
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (isObj(item) && isObj(item[method]) ? [{ path, method, op: item[method] as Obj }] : []))
  )
  const schemas = Object.keys(components).sort()
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(str(info["title"]))} API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24}
nav{position:fixed;top:0;bottom:0;width:18rem;overflow:auto;padding:1rem;background:#f4f6f8;border-right:1px solid #d8dee4}
main{margin-left:20rem;padding:1rem 2rem;max-width:60rem}
nav a{display:block;color:#1b1f24;text-decoration:none;font-size:13px;padding:2px 0}
section{border-top:1px solid #d8dee4;padding:.5rem 0}
pre{background:#f4f6f8;padding:.75rem;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #d8dee4;padding:2px 8px;text-align:left;font-size:13px}
.m{display:inline-block;min-width:4rem;font-size:12px;padding:2px 6px;border-radius:4px;color:#fff;text-align:center}
.get{background:#1f6feb}.post{background:#1a7f37}.put,.patch{background:#9a6700}.delete{background:#cf222e}
.auth,.d{color:#57606a}dt{font-weight:600}
@media (max-width:800px){nav{position:static;width:auto}main{margin:0;padding:1rem}}
</style></head><body>
<nav aria-label="Operations"><strong>${escape(str(info["title"]))} ${escape(str(info["version"]))}</strong>
${operations.map(({ method, path }) => `<a href="#${`${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-")}">${method.toUpperCase()} ${escape(path)}</a>`).join("\n")}
<a href="#schemas"><strong>Schemas</strong></a><a href="/openapi.json">openapi.json</a></nav>
<main><h1>${escape(str(info["title"]))} API reference</h1><p>${escape(str(info["description"]))}</p>
<h2>Operations</h2>
${operations.map(({ path, method, op }) => renderOperation(path, method, op, components)).join("\n")}
<h2 id="schemas">Schemas</h2>
${schemas.map((name) => `<section id="schema-${escape(name)}"><h3>${escape(name)}</h3><pre>${escape(typeOf(components[name], components, 1))}</pre></section>`).join("\n")}
</main></body></html>`
}
