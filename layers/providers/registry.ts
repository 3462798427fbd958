import { Effect, Layer, Option } from "effect"
import type { ProviderType } from "../../src/domain/company.ts"
import { type ProviderClient, Providers } from "../../src/services/Providers.ts"
import * as Mock from "./mock.ts"

/** The provider clients by association type. Only the mock has an adapter so far; other types are not delivered to. */
export const layer = Layer.effect(
  Providers,
  Effect.map(Mock.make, (mock) => {
    const clients: Partial<Record<ProviderType, ProviderClient>> = { mock }
    return Providers.of({ forType: (type) => Option.fromNullable(clients[type]) })
  })
)
