import { createServer } from "node:net"

/** A local TCP port nothing listens on at the moment. */
export const sparePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** `count` different local TCP ports nothing listens on at the moment. */
export const spareDistinctPorts = async (count: number): Promise<ReadonlyArray<number>> => {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await sparePort())
  return [...ports]
}
