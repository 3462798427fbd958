import { Layer } from "effect"
import { CallWindow } from "../../src/domain/callWindow.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { CallWindows } from "../../src/services/Actors.ts"

/** The companies' call windows in this process's memory. */
export const layer = Layer.sync(CallWindows, () => {
  const windows = new Map<CompanyId, CallWindow>()
  return CallWindows.of({
    of: (companyId) => {
      let window = windows.get(companyId)
      if (window === undefined) windows.set(companyId, window = new CallWindow())
      return window
    },
    sweep: (now) => {
      for (const [companyId, window] of windows) if (window.empty(now)) windows.delete(companyId)
    }
  })
})
