/**
 * Undo steps for what a chaos run creates (databases, streams, servers, processes, directories): `run` takes them in
 * reverse order of registration and runs each even when an earlier one fails, answering what went wrong.
 */
export const cleanupStack = () => {
  const steps: Array<{ readonly name: string; readonly undo: () => Promise<unknown> }> = []
  return {
    defer: (name: string, undo: () => Promise<unknown>) => {
      steps.push({ name, undo })
    },
    run: async (): Promise<Array<string>> => {
      const errors: Array<string> = []
      for (const step of steps.splice(0).reverse()) {
        await step.undo().catch((error: unknown) => errors.push(`cleanup ${step.name}: ${String(error)}`))
      }
      return errors
    }
  }
}

export type CleanupStack = ReturnType<typeof cleanupStack>
