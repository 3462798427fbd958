import { Clock, Duration, Effect, Either, Metric } from "effect"
import { taggedBy, webhookAttempts } from "../src/Metrics.ts"
import { signature, type WebhookAttempt, webhookSecretContext } from "../src/domain/webhook.ts"
import { nthDelay, attemptBackoff, webhookLease, webhookPoll } from "../src/Schedules.ts"
import { Secrets } from "../src/services/Secrets.ts"
import { WebhookSettings } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { type DeliveryOutcome, type DueDelivery, WebhookRepo, WebhookTransport } from "../src/services/Webhooks.ts"
import { withSpanContinuing } from "../src/Telemetry.ts"

const attemptsOf = taggedBy(webhookAttempts, "status")

/** Deliveries claimed per round, and sent at once. */
export const WEBHOOK_BATCH = 20
const CONCURRENCY = 8

/** The receiver's answer, or why there was none. */
const post = (delivery: DueDelivery) =>
  Effect.gen(function*() {
    const settings = yield* WebhookSettings
    const secret = yield* (yield* Secrets).open(delivery.secret, webhookSecretContext(delivery.webhookId))
    return yield* (yield* WebhookTransport).post({
      url: delivery.url,
      body: delivery.body,
      timeout: settings.timeout,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "service-integration-webhooks",
        "X-Event-Id": delivery.eventId,
        "X-Event-Type": delivery.type,
        "X-Signature": yield* signature(secret, delivery.body)
      }
    })
  })

/**
 * One attempt of a claimed delivery: POSTs the stored body, signed, and records the attempt with its outcome in one
 * transaction. A 2xx answer delivers it and resets the hook's consecutive failures; anything else schedules the next
 * try on `attemptBackoff`, or, after the last of `WEBHOOK_ATTEMPTS`, gives the delivery up as `failed`, which counts
 * against the hook: at `WEBHOOK_MAX_FAILURES` events given up in a row it is disabled. A receiver that fails some
 * first tries but takes every event in the end is never disabled.
 */
export const sendWebhook = Effect.fn("Webhooks.send")(function*(delivery: DueDelivery) {
  const settings = yield* WebhookSettings
  const repo = yield* WebhookRepo
  const started = yield* Clock.currentTimeMillis
  const answer = yield* Effect.either(post(delivery))
  const finished = yield* Clock.currentTimeMillis
  const statusCode = Either.isRight(answer) ? answer.right.status : null
  const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300
  const error = Either.isLeft(answer)
    ? answer.left.message
    : delivered
    ? null
    : `receiver answered ${statusCode}`
  const attempts = delivery.attempts + 1
  const attempt: WebhookAttempt = {
    eventId: delivery.eventId,
    type: delivery.type,
    at: new Date(started),
    statusCode,
    durationMs: Math.max(0, Math.round(finished - started)),
    error
  }
  const outcome: DeliveryOutcome = delivered
    ? { _tag: "Delivered" }
    : attempts >= settings.attempts
    ? { _tag: "Failed" }
    : {
      _tag: "Retry",
      nextAttemptAt: new Date(finished + Duration.toMillis(yield* nthDelay(attemptBackoff(settings.retryBase, settings.retryMaxDelay), attempts)))
    }
  const disabled = yield* (yield* Transactions).run(
    (outcome._tag === "Delivered"
      ? Effect.as(repo.succeeded(delivery.webhookId), false)
      : outcome._tag === "Failed"
      ? repo.failed(delivery.webhookId, new Date(finished), settings.maxFailures)
      : Effect.succeed(false)).pipe(
        Effect.tap(() => repo.recordAttempt(delivery, attempt, outcome))
      )
  )
  yield* Metric.increment(attemptsOf(delivered ? "delivered" : "failed"))
  const annotations = { webhook_id: delivery.webhookId, event_id: delivery.eventId, attempts, error: error ?? "" }
  if (outcome._tag === "Failed") yield* Effect.logWarning("webhook delivery gave up").pipe(Effect.annotateLogs(annotations))
  if (disabled) {
    yield* Effect.logWarning("webhook disabled after consecutive events given up").pipe(
      Effect.annotateLogs({ ...annotations, max_failures: settings.maxFailures })
    )
  }
  return outcome
})

/**
 * One round: claims up to `WEBHOOK_BATCH` due deliveries of active hooks (leased for two timeouts and 10 s, so no
 * other process sends them meanwhile) and sends them, several at once; one whose attempt could not be recorded is
 * logged and sent again when its lease ends. Answers how many it claimed.
 */
export const sendDueWebhooks = Effect.fn("Webhooks.sendDue")(function*() {
  const settings = yield* WebhookSettings
  const now = yield* Clock.currentTimeMillis
  const lease = Duration.toMillis(webhookLease(settings.timeout))
  const claimed = yield* (yield* WebhookRepo).claimDue(new Date(now), new Date(now + lease), WEBHOOK_BATCH)
  yield* Effect.forEach(claimed, (delivery) =>
    sendWebhook(delivery).pipe(
      withSpanContinuing("webhook send", null, {
        kind: "internal",
        attributes: { "webhook.id": delivery.webhookId, "event.id": delivery.eventId, "event.type": delivery.type }
      }),
      Effect.catchAll((error) =>
        Effect.logWarning("webhook attempt not recorded; sent again when its lease ends").pipe(
          Effect.annotateLogs({ webhook_id: delivery.webhookId, event_id: delivery.eventId, error: error.message })
        )
      )
    ), { concurrency: CONCURRENCY, discard: true })
  return claimed.length
})

/**
 * The sender: rounds back to back while they come back full, then again on `webhookPoll`; a failed round is logged and
 * its deliveries are claimed again once their lease ends. Runs apart from the company actors, so a slow or failing
 * receiver never holds up a lead.
 */
export const deliverWebhooks = Effect.gen(function*() {
  const { poll } = yield* WebhookSettings
  const drain = sendDueWebhooks().pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("webhook round failed").pipe(Effect.annotateLogs("error", error.message), Effect.as(0))
    ),
    Effect.repeat({ while: (count) => count === WEBHOOK_BATCH })
  )
  yield* Effect.repeat(drain, webhookPoll(poll))
})
