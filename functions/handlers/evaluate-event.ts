/** Parsing the evaluator's event (kept apart from the handler, which builds AWS clients when loaded). */
import type { EvaluatePhase } from '../usecases/evaluate.ts';

export class EvaluatorEventError extends Error {
  override name = 'EvaluatorEventError';
}

/**
 * The run the event asks for: an EventBridge schedule (or nothing) is a whole run; the fan-out state machine
 * sends `{ phase: 'objectives', shard: { index, count } }` for each shard, then `{ phase: 'gates' }`.
 */
export function phaseOf(event: unknown): EvaluatePhase {
  const e = (event ?? {}) as { phase?: unknown; shard?: { index?: unknown; count?: unknown } };
  if (e.phase === undefined || e.phase === 'all') return { phase: 'all' };
  if (e.phase === 'gates') return { phase: 'gates' };
  if (e.phase === 'objectives' && Number.isInteger(e.shard?.index) && Number.isInteger(e.shard?.count)) {
    return { phase: 'objectives', shard: { index: e.shard?.index as number, count: e.shard?.count as number } };
  }
  throw new EvaluatorEventError(`unknown evaluator event ${JSON.stringify(event).slice(0, 200)}: expected a schedule, { phase: 'gates' } or { phase: 'objectives', shard: { index, count } }`);
}
