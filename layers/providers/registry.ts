import { Effect, Layer, Option } from "effect"
import type { ProviderType } from "../../src/domain/company.ts"
import { type ProviderClient, Providers } from "../../src/services/Providers.ts"
import * as CredentialStore from "./credentialStore.ts"
import * as HousecallPro from "./housecallpro/adapter.ts"
import * as Jobber from "./jobber/adapter.ts"
import * as Outbound from "../outbound.ts"
import * as Mock from "./mock.ts"
import * as ServiceTitan from "./servicetitan/adapter.ts"

/** The provider clients by association type, calling out through the outbound `fetch` (see outbound.ts). */
export const layer = Layer.scoped(
  Providers,
  Effect.gen(function*() {
    const clients: Record<ProviderType, ProviderClient> = {
      mock: yield* Mock.make,
      servicetitan: yield* ServiceTitan.make,
      housecallpro: yield* HousecallPro.make,
      jobber: yield* Jobber.make.pipe(Effect.provide(CredentialStore.layer("jobber")))
    }
    return Providers.of({ forType: (type) => Option.some(clients[type]) })
  })
).pipe(Layer.provide(Outbound.layer))
