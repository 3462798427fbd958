import { Layer } from "effect"
import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { layerFreshRepositories, layerPgliteDb } from "../support/postgres.ts"
import { jobSearchContract } from "./jobSearch.contract.ts"

jobSearchContract("memory", layerMemory)
jobSearchContract("postgresql", layerFreshRepositories())
jobSearchContract("the embedded PGlite", layerPostgresRepos.pipe(Layer.provide(layerPgliteDb)))
