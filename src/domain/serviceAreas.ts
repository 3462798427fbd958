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
 * A company's service areas as matching keeps them: the set of its entries, or null when it has none (it serves
 * everywhere).
 */
export const areaSet = (areas: ReadonlyArray<string>): ReadonlySet<string> | null =>
  areas.length === 0 ? null : new Set(areas)

/**
 * Whether a company with these areas serves a job in `zip`: with no areas, always; otherwise when one of the ZIP's
 * prefixes (1 to 5 digits) is an entry, so five lookups whatever the number of entries. A job with no ZIP code is
 * served only by companies with no areas.
 */
export const serves = (areas: ReadonlySet<string> | null, zip: string | null): boolean => {
  if (areas === null) return true
  if (zip === null) return false
  for (let length = 1; length <= zip.length; length++) {
    if (areas.has(zip.slice(0, length))) return true
  }
  return false
}

/** Why a company with service areas is not matched to a job in `zip`. */
export const notServedReason = (zip: string | null): string =>
  zip === null ? "does not serve jobs without a ZIP code" : `does not serve ${zip}`
