import fc from "fast-check"

/** Characters that tend to break text handling: NUL, bidi and zero-width marks, BOM, line separators, emoji, quotes. */
const trickyCharacter = fc.constantFrom(
  "\u0000", "\u0001", "\u007f", "\u202e", "\u200f", "\u200b", "\u200d", "\u2060", "\ufeff", "\u2028", "\u2029",
  "\u0301", "\u00a0", "\u3000", "\uffff", "\ufffd", "😀", "👩‍👩‍👧‍👦", "🏳️‍🌈", "𝕏", "ﷺ", "ß", "İ",
  "\t", "\n", "\r", "'", "\"", "\\", "%", "/", "?", "#", "&", "=", "+", " "
)

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code))

const oddCharacter = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: trickyCharacter },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) }
)

/** Lengths just past the API's limits (50, 64, 200, 256, 2000, 2048, 8192) and past the 64 KB body limit. */
const overLimitLength = fc.constantFrom(21, 51, 65, 201, 257, 513, 2001, 2049, 8193, 70_000)

const hugeText = fc.tuple(overLimitLength, fc.oneof(fc.constantFrom("a", "é", "😀", " "), oddCharacter))
  .map(([length, unit]) => unit.repeat(length))

const suspiciousText = fc.constantFrom(
  "", " ", "   ", "\t\n", "null", "undefined", "true", "0", "-1", "NaN", "__proto__", "constructor", "prototype",
  "'; drop table companies; --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "${jndi:x}", "\u0000"
)

/** Names of Object's own members, which code that looks names up in a plain object finds without being given them. */
export const objectMemberName = fc.constantFrom("constructor", "__proto__", "tostring", "valueof", "hasownproperty")

/** Strings meant to hurt: odd unicode (lone surrogates, RTL, zero-width, NUL, emoji), huge ones, suspicious ones. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: oddCharacter, maxLength: 40 }) },
  { weight: 1, arbitrary: hugeText },
  { weight: 2, arbitrary: suspiciousText }
)

const oddNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 0.5, 1.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, 65, 201, 1001, 86_401)
)

/** Arrays far longer than any the API takes (skills: 100, required_skills: 20, events: 10). */
const hugeArray = fc.tuple(fc.constantFrom(21, 101, 1_001, 10_001), fc.constantFrom<unknown>("plumbing", 1, null, {}))
  .map(([length, item]) => Array.from({ length }, () => item))

/** Arrays or objects nested `depth` levels deep around a leaf. */
export const nested = (depth: number, kind: "array" | "object"): unknown => {
  let value: unknown = "leaf"
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value }
  return value
}

const deepValue = fc.tuple(fc.constantFrom(32, 256, 2_000), fc.constantFrom("array" as const, "object" as const))
  .map(([depth, kind]) => nested(depth, kind))

const oddLeaf = fc.oneof(oddText, oddNumber, fc.boolean(), fc.constant(null))

/** Any JSON value, built from odd strings and numbers, sometimes huge or deeply nested. */
export const oddJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: oddLeaf },
    { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(oddText, tie("value"), { maxKeys: 4 }) },
    { weight: 1, arbitrary: hugeArray },
    { weight: 1, arbitrary: deepValue }
  )
})).value

/** Text that is not JSON, or JSON that is cut short, oddly encoded, huge or nested very deep. */
export const malformedJson = (valid: string): fc.Arbitrary<string | Uint8Array<ArrayBuffer>> =>
  fc.oneof(
    fc.nat({ max: Math.max(0, valid.length - 1) }).map((end) => valid.slice(0, end)),
    fc.tuple(fc.nat({ max: valid.length }), oddText).map(([at, junk]) => valid.slice(0, at) + junk + valid.slice(at)),
    oddText,
    fc.constantFrom(
      "", "{", "}", "[", "{}}", "{'name': 1}", "{\"name\": 1,}", "{name: 1}", "NaN", "1e999", "-", "\"text\"", "null",
      "true", "[]", "{}", "\ufeff{}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\x41\"}", "/* */ {}",
      `${valid}${valid}`, `${valid} garbage`, `[${valid}]`, `{"__proto__": ${valid}}`
    ),
    fc.constantFrom(64, 2_000, 12_000, 40_000).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
    fc.constantFrom(64, 2_000, 12_000).map((depth) => "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)),
    fc.constantFrom(1_000, 60_000, 70_000).map((length) => `{"name": "${"x".repeat(length)}"}`),
    invalidUtf8(valid)
  )

/** Bytes that are not UTF-8 (a stray 0xFF, an encoded surrogate, a cut sequence) inside otherwise good JSON. */
const invalidUtf8 = (valid: string) =>
  fc.tuple(fc.nat({ max: valid.length }), fc.constantFrom([0xff], [0xfe, 0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0x80]))
    .map(([at, bytes]) => {
      const encoder = new TextEncoder()
      return new Uint8Array([...encoder.encode(valid.slice(0, at)), ...bytes, ...encoder.encode(valid.slice(at))])
    })

/**
 * Percent-encodes text for a URL, including what `encodeURIComponent` refuses: a lone surrogate becomes the bytes
 * UTF-8 would give it (invalid UTF-8 the server has to decode).
 */
export const percentEncode = (text: string): string =>
  text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (unit) => {
    const code = unit.charCodeAt(0)
    if (unit.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`).join("")
    }
    return encodeURIComponent(unit)
  })

/** A URL segment or query value: odd text percent-encoded, or broken percent-escapes sent as they are. */
export const urlText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: oddText.map(percentEncode) },
  { weight: 1, arbitrary: fc.constantFrom("%", "%z", "%zz", "%E0%A4", "%FF", "%C0%80", "%00", "%2F", "%2e%2e", "%25", "+", "%20") }
)

/** Header values a client can send (Latin-1 without CR, LF or NUL), sometimes huge. */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(256, 257, 1_000, 10_000).map((length) => "k".repeat(length)) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\t", "a b", "é", "\u00ff", "key\tkey") }
)
