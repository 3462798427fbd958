import { describe, expect, it } from "@effect/vitest"
import { refusedRange } from "../../src/domain/address.ts"

describe("refusedRange", () => {
  it("classifies IPv4 loopback, link-local, private and unspecified addresses, and passes public ones", () => {
    expect(["127.0.0.1", "127.255.255.254"].map(refusedRange)).toEqual(["loopback", "loopback"])
    expect(refusedRange("169.254.169.254")).toBe("link-local")
    expect(["10.0.0.5", "172.16.0.1", "172.31.255.255", "192.168.1.1"].map(refusedRange)).toEqual(Array(4).fill("private"))
    expect(refusedRange("0.0.0.0")).toBe("unspecified")
    expect(["8.8.8.8", "172.15.0.1", "172.32.0.1", "192.169.0.1", "169.253.1.1", "11.0.0.1", "128.0.0.1"].map(refusedRange))
      .toEqual(Array(7).fill(undefined))
  })

  it("classifies IPv6 loopback, link-local, unique local and unspecified addresses, and passes public ones", () => {
    expect(["::1", "0:0:0:0:0:0:0:1", "[::1]"].map(refusedRange)).toEqual(Array(3).fill("loopback"))
    expect(["fe80::1", "febf::1", "fe80::1%eth0"].map(refusedRange)).toEqual(Array(3).fill("link-local"))
    expect(["fc00::1", "fd12:3456::1"].map(refusedRange)).toEqual(["private", "private"])
    expect(refusedRange("::")).toBe("unspecified")
    expect(["2001:4860:4860::8888", "fec0::1", "fe00::1", "::2"].map(refusedRange)).toEqual(Array(4).fill(undefined))
  })

  it("sees through IPv4-mapped IPv6 forms, dotted and hexadecimal", () => {
    expect(["::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:1"].map(refusedRange)).toEqual(Array(3).fill("loopback"))
    expect(["::ffff:10.0.0.5", "::ffff:a9fe:a9fe", "::ffff:0.0.0.0"].map(refusedRange)).toEqual(["private", "link-local", "unspecified"])
    expect(refusedRange("::ffff:8.8.8.8")).toBeUndefined()
  })

  it("answers nothing for hostnames and malformed text", () => {
    expect(["localhost", "example.com", "1.2.3", "256.1.1.1", "1::2::3", "12345::", ""].map(refusedRange)).toEqual(Array(7).fill(undefined))
  })
})
