import type { CompanyId } from "./ids.ts"

/**
 * The names operators see in `nats stream ls` / `nats consumer ls`, all under one prefix so several deployments can
 * share a NATS account: a work-queue stream whose subjects are `<prefix>.company.<company id>.<kind>`, one durable
 * consumer per company named after it, a dead-letter stream, and a stream of domain events for subscribers.
 */
export interface Topology {
  readonly prefix: string
  readonly workStream: string
  readonly workSubjects: string
  readonly deadLetterStream: string
  readonly deadLetterSubjects: string
  /** Where a routing to deliver to this company is published. */
  readonly deliverSubject: (companyId: CompanyId) => string
  /** All of one company's work, the filter of its consumer. */
  readonly companySubjects: (companyId: CompanyId) => string
  readonly consumerName: (companyId: CompanyId) => string
  readonly deadLetterSubject: (companyId: CompanyId) => string
  /** Domain events for subscribers (webhooks), kept for a while: `<prefix>.event.<type>`. */
  readonly eventStream: string
  readonly eventSubjects: string
  readonly eventSubject: (type: string) => string
}

export const topology = (prefix: string): Topology => ({
  prefix,
  workStream: `${prefix}_work`,
  workSubjects: `${prefix}.company.*.*`,
  deadLetterStream: `${prefix}_dead_letters`,
  deadLetterSubjects: `${prefix}.dead_letter.>`,
  deliverSubject: (companyId) => `${prefix}.company.${companyId}.deliver`,
  companySubjects: (companyId) => `${prefix}.company.${companyId}.*`,
  consumerName: (companyId) => `company-${companyId}`,
  deadLetterSubject: (companyId) => `${prefix}.dead_letter.${companyId}`,
  eventStream: `${prefix}_events`,
  eventSubjects: `${prefix}.event.>`,
  eventSubject: (type) => `${prefix}.event.${type}`
})
