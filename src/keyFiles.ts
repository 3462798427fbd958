import { Effect } from "effect"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { dirname } from "node:path"

/**
 * The key kept in `path`, made by `generate` and written (readable by the owner only) when the file does not exist;
 * `created` says whether it was made now. Used by the embedded default only, where no key is configured.
 */
export const readOrCreateKeyFile = (path: string, generate: () => string) =>
  Effect.tryPromise({
    try: async () => {
      try {
        return { key: (await readFile(path, "utf8")).trim(), created: false }
      } catch (error) {
        if ((error as { code?: string }).code !== "ENOENT") throw error
        await mkdir(dirname(path), { recursive: true })
        const key = generate()
        await writeFile(path, `${key}\n`, { mode: 0o600, flag: "wx" })
        return { key, created: true }
      }
    },
    catch: (cause) => new Error(`cannot read or create the key file ${path}: ${String(cause)}`)
  })
