import { Layer } from "effect"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { repositoryContract } from "../contracts/repositories.contract.ts"
import { layerFreshDb } from "../support/postgres.ts"

repositoryContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
