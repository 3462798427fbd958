import type { CompanyId } from "./ids.ts"

/**
 * The names operators see in `nats stream ls` / `nats consumer ls`, all under one prefix so several deployments can
 * share a NATS account: a work-queue stream whose subjects are `<prefix>.work.<partition>.<company id>` (so
 * `nats stream subjects` shows each company's backlog), one durable consumer per partition, a dead-letter stream, and a
 * stream of domain events for subscribers.
 */
export interface Topology {
  readonly prefix: string
  /** How many partitions the work is spread over; a company's work is always in one of them. */
  readonly partitions: number
  readonly workStream: string
  /** Every subject of the work stream: the partitions', and the per-company ones of releases before partitions. */
  readonly workSubjects: ReadonlyArray<string>
  readonly deadLetterStream: string
  readonly deadLetterSubjects: string
  /** Where a routing to deliver to this company is published. */
  readonly deliverSubject: (companyId: CompanyId) => string
  /** The company whose work a subject of the work stream carries; null for any other subject. */
  readonly companyOfSubject: (subject: string) => string | null
  /** All the work of one partition, the filter of its consumer. */
  readonly partitionSubjects: (partition: number) => string
  readonly partitionConsumer: (partition: number) => string
  readonly deadLetterSubject: (companyId: CompanyId) => string
  /** Domain events for subscribers (webhooks), kept for a while: `<prefix>.event.<type>`. */
  readonly eventStream: string
  readonly eventSubjects: string
  readonly eventSubject: (type: string) => string
  /** Work subjects and consumers of releases with one consumer per company, drained into partitions at start-up. */
  readonly legacy: {
    readonly workSubjects: string
    readonly isConsumer: (name: string) => boolean
  }
}

/** FNV-1a over the id's characters: stable across processes, releases and runtimes. */
const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The partition a company's work goes to. */
export const partitionOf = (companyId: string, partitions: number): number => hash(companyId) % partitions

export const topology = (prefix: string, partitions: number): Topology => {
  const work = `${prefix}.work.`
  const legacyWork = `${prefix}.company.`
  return {
    prefix,
    partitions,
    workStream: `${prefix}_work`,
    workSubjects: [`${prefix}.work.*.*`, `${prefix}.company.*.*`],
    deadLetterStream: `${prefix}_dead_letters`,
    deadLetterSubjects: `${prefix}.dead_letter.>`,
    deliverSubject: (companyId) => `${work}${partitionOf(companyId, partitions)}.${companyId}`,
    companyOfSubject: (subject) => {
      const from = subject.startsWith(work)
        ? subject.indexOf(".", work.length) + 1
        : subject.startsWith(legacyWork) ? legacyWork.length : 0
      const to = subject.startsWith(work) ? subject.length : subject.indexOf(".", from)
      return from > 0 && to > from ? subject.slice(from, to) : null
    },
    partitionSubjects: (partition) => `${work}${partition}.*`,
    partitionConsumer: (partition) => `partition-${partition}`,
    deadLetterSubject: (companyId) => `${prefix}.dead_letter.${companyId}`,
    eventStream: `${prefix}_events`,
    eventSubjects: `${prefix}.event.>`,
    eventSubject: (type) => `${prefix}.event.${type}`,
    legacy: {
      workSubjects: `${prefix}.company.*.*`,
      isConsumer: (name) => name.startsWith("company-")
    }
  }
}
