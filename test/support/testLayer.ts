import { type Context, Layer } from "effect"

/** The error a member missing from a test layer raises, naming the service and the member. */
export class UnimplementedMember extends Error {
  constructor(readonly service: string, readonly member: string) {
    super(`${service}.${member} is not implemented by this test layer`)
    this.name = "UnimplementedMember"
  }
}

/**
 * Stands in for a member the test did not give: calling it (or `yield*` on it, for a member that is an effect) throws
 * `UnimplementedMember`, which inside an effect is a defect, so the effect dies with the service's and member's names.
 */
const unimplemented = (service: string, member: string) => {
  const fail = (): never => {
    throw new UnimplementedMember(service, member)
  }
  return Object.assign(fail, { [Symbol.iterator]: fail })
}

/** Members that JavaScript and printers probe for (a thenable, a JSON form), which a service not giving them lacks. */
const probed = new Set(["then", "toJSON"])

/** The service with the members of `implemented`, every other member standing in as `unimplemented`. */
const partialService = <S extends object>(service: string, implemented: Partial<S>): S =>
  new Proxy({ ...implemented } as S, {
    get: (target, member) =>
      member in target || typeof member === "symbol" || probed.has(member)
        ? Reflect.get(target, member)
        : unimplemented(service, member)
  })

/**
 * A layer for `tag` from only the members a test uses; any other member dies, when the code under test reaches it,
 * with a message naming the service and the member, instead of the test hand-writing stubs it never calls.
 */
export const makeTestLayer = <I, S extends object>(tag: Context.Tag<I, S>) => (implemented: Partial<S>): Layer.Layer<I> =>
  Layer.succeed(tag, partialService(tag.key, implemented))
