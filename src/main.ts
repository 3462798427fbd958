import { Layer } from "effect"
import { runMain } from "./entry.ts"
import { MainLive } from "./MainLive.ts"

runMain(Layer.launch(MainLive))
