// The npm registry this project is built against serves only this platform's native packages, so `npm install`
// writes a lockfile without the other platforms' optional packages, and `npm ci` then refuses it ("Missing: … from
// lock file"). This adds an entry (name and exact version, marked optional) for each optional dependency the lockfile
// names but lacks. Run it after every `npm install`: `npm run lockfile`.
import { readFileSync, writeFileSync } from "node:fs"

const path = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(path, "utf8"))
const packages = lock.packages
let added = 0
for (const [where, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${where === "" ? "" : `${where}/`}node_modules/${name}`
    const hoisted = `node_modules/${name}`
    if (nested in packages || hoisted in packages) continue
    packages[hoisted] = { version, optional: true, ...(meta.dev ? { dev: true } : {}) }
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)))
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`package-lock.json: ${added} optional entries added`)
