import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { repositoryContract } from "./repositories.contract.ts"

repositoryContract("memory", layerMemory)
