/**
 * Fan-out by contract shard (pure): when the objectives outgrow one Lambda run, the evaluation runs as
 * several shards of whole contracts (each judges its objectives), then one gates phase (reconciles every gate
 * from the recorded states and sends what is pending), so a gate shared by contracts in different shards is
 * still frozen and lifted exactly once.
 */
import type { Contract } from './contract.ts';

export class ShardError extends Error {
  override name = 'ShardError';
}

/** Shards needed for `objectives` objectives at most `perShard` per shard (at least 1). */
export function shardCountFor(objectives: number, perShard: number): number {
  if (!(Number.isInteger(perShard) && perShard > 0)) throw new ShardError(`objectives per shard must be a whole number above 0, got ${perShard}`);
  return Math.max(1, Math.ceil(objectives / perShard));
}

/**
 * The contracts of shard `index` of `count`: contracts in name order, dealt to the shard with the fewest
 * objectives so far (ties to the lowest index), so shards stay balanced by objectives and every contract is in
 * exactly one shard whatever the order contracts were given in.
 */
export function contractsOfShard(contracts: readonly Contract[], index: number, count: number): Contract[] {
  if (!(Number.isInteger(count) && count > 0 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new ShardError(`shard ${index} of ${count} does not exist: the index must be a whole number from 0 to count - 1`);
  }
  const load = new Array<number>(count).fill(0);
  const out: Contract[] = [];
  const sorted = [...contracts].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const c of sorted) {
    let target = 0;
    for (let i = 1; i < count; i++) if ((load[i] as number) < (load[target] as number)) target = i;
    load[target] = (load[target] as number) + c.spec.objectives.length;
    if (target === index) out.push(c);
  }
  return out;
}
