import { Duration, Effect } from "effect"
import {
  CIRCUIT_ANNOUNCE_GAP,
  type CircuitAnnounced,
  circuitClosedMessage,
  circuitOpenedMessage,
  circuitStillOpenMessage,
  AlertId
} from "../src/domain/alerts.ts"
import { CircuitClosed, CircuitOpened } from "../src/domain/events.ts"
import { type CompanyId, newId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { AlertRepo } from "../src/services/Alerts.ts"
import { CircuitStore, type OpenCircuit } from "../src/services/Circuits.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { alertSubject } from "./alerts.ts"
import { outboxEvent } from "./outboxEvent.ts"

/**
 * Announces the company's circuit `state` (its event, with `payload`) unless a `circuit.*` event of the company's went
 * out less than a minute before `at` or this state is the one last announced: the claim on the company's announcement
 * row decides, so the rule holds whichever replica runs its actor. A change held back is announced late by
 * `announceLateCircuits`, when the state it left is still different from the one announced.
 */
const announce = (companyId: CompanyId, state: CircuitAnnounced, at: Date, payload: unknown) =>
  Effect.gen(function*() {
    const before = new Date(at.getTime() - Duration.toMillis(CIRCUIT_ANNOUNCE_GAP))
    if (yield* (yield* AlertRepo).claimCircuitAnnouncement(companyId, state, at, before)) {
      const type = state === "open" ? "circuit.opened" : "circuit.closed"
      yield* (yield* OutboxRepo).append([yield* outboxEvent(type, companyId, payload, at)])
      return true
    }
    yield* Effect.logInfo("circuit change not announced now (one circuit event a minute per company)").pipe(
      Effect.annotateLogs({ company_id: companyId, state })
    )
    return false
  })

/**
 * The company's circuit opened (its `opening`-th in a row, `threshold` failures the first time): recorded in the
 * circuit store, its `circuit.opened` alert opened (or its message updated), and announced, in one transaction.
 */
export const circuitOpened = Effect.fn("Alerts.circuitOpened")(function*(circuit: OpenCircuit, threshold: number) {
  const subject = yield* alertSubject(circuit.companyId)
  const message = circuitOpenedMessage(subject, circuit.opened, threshold, circuit.until)
  const at = yield* now
  const id = yield* newId(AlertId)
  const alerts = yield* AlertRepo
  const circuits = yield* CircuitStore
  yield* (yield* Transactions).run(Effect.gen(function*() {
    yield* circuits.opened(circuit)
    yield* alerts.raise({ id, kind: "circuit.opened", companyId: circuit.companyId, routingId: null, jobId: null, message, openedAt: at, resolvedAt: null })
    yield* announce(circuit.companyId, "open", at, CircuitOpened.make({
      company_id: circuit.companyId,
      message,
      opened_at: at.toISOString(),
      resume_at: circuit.until.toISOString()
    }))
  }))
})

/** The company's circuit closed: forgotten by the circuit store, its alert resolved, and announced, in one transaction. */
export const circuitClosed = Effect.fn("Alerts.circuitClosed")(function*(companyId: CompanyId) {
  const message = circuitClosedMessage(yield* alertSubject(companyId))
  const at = yield* now
  const alerts = yield* AlertRepo
  const circuits = yield* CircuitStore
  yield* (yield* Transactions).run(Effect.gen(function*() {
    yield* circuits.closed(companyId)
    yield* alerts.resolve({ kind: "circuit.opened", companyId, routingId: null }, at)
    yield* announce(companyId, "closed", at, CircuitClosed.make({ company_id: companyId, message, closed_at: at.toISOString() }))
  }))
})

/**
 * Announces the circuit states that changed while the one-a-minute rule held their announcement back and still differ
 * from the one announced (a circuit that closed within a minute of opening, and stayed closed). Answers how many.
 */
export const announceLateCircuits = Effect.fn("Alerts.announceLateCircuits")(function*() {
  const at = yield* now
  const alerts = yield* AlertRepo
  const due = yield* alerts.circuitsToAnnounce(new Date(at.getTime() - Duration.toMillis(CIRCUIT_ANNOUNCE_GAP)))
  let announced = 0
  for (const { companyId, state } of due) {
    const subject = yield* alertSubject(companyId)
    const payload = state === "open"
      ? CircuitOpened.make({ company_id: companyId, message: circuitStillOpenMessage(subject), opened_at: at.toISOString(), resume_at: null })
      : CircuitClosed.make({ company_id: companyId, message: circuitClosedMessage(subject), closed_at: at.toISOString() })
    if (yield* (yield* Transactions).run(announce(companyId, state, at, payload))) announced++
  }
  return announced
})
