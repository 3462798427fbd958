import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time (vitest's default is one fewer than the cores: one on a 2-core machine): most of the
    // integration tests wait on processes and servers rather than compute.
    maxWorkers: 2
  }
})
