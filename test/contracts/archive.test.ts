import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { archiveContract } from "./archive.contract.ts"

archiveContract("memory", layerMemory)
archiveContract("postgresql", layerFreshRepositories({ max: 6 }))
