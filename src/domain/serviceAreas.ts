import { Schema } from "effect"

/** The most entries a company's `service_areas` may hold. */
export const MAX_SERVICE_AREAS = 500

/** What a service area looks like: 1 to 5 digits. */
export const SERVICE_AREA_PATTERN = /^\d{1,5}$/

/** A ZIP code (5 digits) or a ZIP prefix (1 to 4 digits) a company serves. */
export const ServiceArea = Schema.String.pipe(Schema.pattern(SERVICE_AREA_PATTERN))
export type ServiceArea = typeof ServiceArea.Type

/**
 * The ZIP code matching reads from a job's `zip_code`: its first five characters when they are digits (`62701-1234`
 * and `627011234` are `62701`), after leading spaces; null when it starts otherwise (no US ZIP code).
 */
export const jobZip = (zipCode: string | null | undefined): string | null =>
  zipCode == null ? null : (/^\s*(\d{5})/.exec(zipCode)?.[1] ?? null)

/**
 * An entry or a ZIP prefix as a number, distinct for every digit string of 1 to 5 digits (`10^length + value`): maps
 * keyed by small integers are looked up without making or hashing strings.
 */
export const areaKey = (digits: string): number => 10 ** digits.length + Number(digits)

/**
 * The keys of a ZIP code's five prefixes (1 to 5 digits), made once per job: a company serves the job when one of
 * its entries has one of these keys. None for a job with no ZIP code, which only companies with no entries serve.
 */
export const zipKeys = (zip: string | null): ReadonlyArray<number> =>
  zip === null ? [] : [1, 2, 3, 4, 5].map((length) => areaKey(zip.slice(0, length)))

/** Why a company with service areas is not matched to a job in `zip`. */
export const notServedReason = (zip: string | null): string =>
  zip === null ? "does not serve jobs without a ZIP code" : `does not serve ${zip}`
