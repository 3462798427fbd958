import { Layer } from "effect"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { jobSearchContract } from "../contracts/jobSearch.contract.ts"
import { layerPgliteDb } from "../support/postgres.ts"

jobSearchContract("the embedded PGlite", layerPostgresRepos.pipe(Layer.provide(layerPgliteDb)))
