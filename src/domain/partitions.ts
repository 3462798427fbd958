/** A partition held by this replica: `epoch` names this holding of it, so a claim made under an older one is refused. */
export interface PartitionLease {
  readonly partition: number
  readonly epoch: number
}

/**
 * How many of `total` partitions the replica `self` should hold when `alive` (every live replica's id, itself
 * included) share them evenly: the first `total % n` replicas in id order hold one more. Every replica computes the
 * same split from the same list, so the shares add up to `total`.
 */
export const shareOf = (alive: ReadonlyArray<string>, self: string, total: number): number => {
  const ids = [...new Set([...alive, self])].sort()
  const index = ids.indexOf(self)
  return Math.floor(total / ids.length) + (index < total % ids.length ? 1 : 0)
}

/** The lease asked for when the partition is not held: epochs start at 1, so a claim under it is always refused. */
export const notHeld = (partition: number): PartitionLease => ({ partition, epoch: 0 })
