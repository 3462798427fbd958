import type { Job } from "./job.ts"

/** The longest `q` GET /jobs takes. */
export const MAX_SEARCH_LENGTH = 200
/** The fewest digits a `q` needs to be looked up in phone numbers. */
export const MIN_PHONE_DIGITS = 4

/**
 * A GET /jobs `q`: phone digits (a `q` of only digits and phone punctuation, with at least 4 digits) match a job whose
 * homeowner's phone number has them together; an email start (one word with an `@`) matches a homeowner email that
 * starts so; otherwise a job matches when every word is the start of one of its words (summary, homeowner name, email).
 */
export interface JobSearch {
  readonly words: ReadonlyArray<string>
  readonly phoneDigits: string | null
  /** Lower-cased. */
  readonly emailStart: string | null
}

// As migrations/0018_job_search.sql: anything but an ASCII letter or digit separates words, except characters past
// U+007F (in the basic plane), which count as letters.
const separators = /[^0-9a-z\u0080-\uffff]+/u
const phoneLike = /^[0-9\s+\-().]*$/
const emailLike = /^[^\s@]*@[^\s]*$/

/** The longest word searched for, in characters (PostgreSQL's lexemes hold at most 2047 bytes). */
const MAX_WORD_LENGTH = 500

/** The words of a text, lower-cased, as the search sees them. */
export const searchWords = (text: string): ReadonlyArray<string> =>
  text.toLowerCase().split(separators).filter((word) => word !== "" && [...word].length <= MAX_WORD_LENGTH)

const digitsOf = (text: string) => text.replace(/[^0-9]/g, "")

/** The search a `q` asks for; none when it has no word to look for. */
export const parseSearch = (q: string): JobSearch | null => {
  const words = [...new Set(searchWords(q))]
  if (words.length === 0) return null
  const digits = digitsOf(q)
  const trimmed = q.trim().toLowerCase()
  return {
    words,
    phoneDigits: phoneLike.test(q) && digits.length >= MIN_PHONE_DIGITS ? digits : null,
    emailStart: emailLike.test(trimmed) ? trimmed : null
  }
}

/** A tsquery prefix lexeme: inside its quotes, a quote is doubled and a backslash escaped. */
const prefixLexeme = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}':*`

/** The search as a PostgreSQL tsquery over `jobs.search_lexemes`. */
export const toTsquery = (search: JobSearch): string =>
  search.phoneDigits !== null
    ? prefixLexeme(`#${search.phoneDigits}`)
    : search.emailStart !== null
    ? prefixLexeme(`@${search.emailStart}`)
    : search.words.map(prefixLexeme).join(" & ")

/** Whether the job matches the search, by the same rules as the PostgreSQL index. */
export const matchesSearch = (job: Job, search: JobSearch): boolean => {
  const { email, name, phone } = job.homeowner
  if (search.phoneDigits !== null) return phone !== undefined && digitsOf(phone).includes(search.phoneDigits)
  if (search.emailStart !== null) return email !== undefined && email.toLowerCase().startsWith(search.emailStart)
  const words = searchWords([job.summary, name, email ?? ""].join(" "))
  return search.words.every((prefix) => words.some((word) => word.startsWith(prefix)))
}
