import { afterAll } from "@effect/vitest"
import { layer } from "../../layers/broker/jetstream.ts"
import { brokerContract, testPrefix } from "../contracts/broker.contract.ts"
import { deleteStreams, NATS_TEST_URL } from "../support/nats.ts"

brokerContract("jetstream", layer({ servers: NATS_TEST_URL, name: "broker-contract-test" }))

afterAll(() => deleteStreams(NATS_TEST_URL, testPrefix))
