/** Why an address is not one outbound calls may reach. */
export type RefusedRange = "loopback" | "link-local" | "private" | "unspecified"

const ipv4 = (text: string): ReadonlyArray<number> | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined
  const bytes = parts.map(Number)
  return bytes.every((b) => b <= 255) ? bytes : undefined
}

const rangeOfIpv4 = ([a = 0, b = 0, c = 0, d = 0]: ReadonlyArray<number>): RefusedRange | undefined =>
  a === 127 ? "loopback"
  : a === 169 && b === 254 ? "link-local"
  : a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ? "private"
  : a === 0 && b === 0 && c === 0 && d === 0 ? "unspecified"
  : undefined

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail counts as two); undefined if not one. */
const ipv6 = (text: string): ReadonlyArray<number> | undefined => {
  const address = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase()
  const halves = address.split("::")
  if (halves.length > 2) return undefined
  const groupsOf = (half: string) => {
    if (half === "") return []
    const groups: Array<number> = []
    for (const part of half.split(":")) {
      const v4 = part.includes(".") ? ipv4(part) : undefined
      if (v4 !== undefined) groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      else if (/^[0-9a-f]{1,4}$/.test(part)) groups.push(parseInt(part, 16))
      else return undefined
    }
    return groups
  }
  const head = groupsOf(halves[0]!)
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  return [...head, ...Array<number>(missing).fill(0), ...tail]
}

/**
 * The range that keeps an IP address from outbound calls: loopback (127/8, ::1), link-local (169.254/16, fe80::/10),
 * private (10/8, 172.16/12, 192.168/16, fc00::/7) or unspecified (0.0.0.0, ::), IPv4-mapped IPv6 forms included;
 * undefined for any other address, and for text that is no IP address (a hostname).
 */
export const refusedRange = (address: string): RefusedRange | undefined => {
  const v4 = ipv4(address)
  if (v4 !== undefined) return rangeOfIpv4(v4)
  const groups = ipv6(address)
  if (groups === undefined) return undefined
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = groups
  const zeroTo = (n: number) => groups.slice(0, n).every((g) => g === 0)
  if (zeroTo(5) && g5 === 0xffff) return rangeOfIpv4([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff])
  if (zeroTo(7)) return g7 === 1 ? "loopback" : g7 === 0 ? "unspecified" : undefined
  if ((g0 & 0xffc0) === 0xfe80) return "link-local"
  if ((g0 & 0xfe00) === 0xfc00) return "private"
  return undefined
}

/** The sentence an attempt or a registration is refused with. */
export const refusalMessage = (address: string, range: RefusedRange) =>
  `address ${address} is ${range}; set OUTBOUND_ALLOW_PRIVATE=true to allow it`
