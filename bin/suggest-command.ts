/**
 * `slo suggest`: a target from history, next to its neighbours and what each would have cost.
 *
 *   slo suggest contracts/checkout.yaml --objective availability
 *   slo suggest contracts/checkout.yaml --objective availability --metrics-file history.csv --json
 *
 * History: CloudWatch's hourly data for the last 15 months (all it keeps), or a CSV file. Attainment is judged
 * over every window-length span (functions/core/suggest.ts states the rule); the neighbouring targets are
 * backtested over the same history (at --cadence, 1h by default: the data is hourly) for their freeze days.
 */
import type { Command } from 'commander';
import { backtest, type BacktestResult } from '../functions/core/backtest.ts';
import { HOURLY_RETENTION_MS, suggestTarget, targetsToCost, type Suggestion, type TargetFit } from '../functions/core/suggest.ts';
import { HOUR_MS, MINUTE_MS } from '../functions/core/duration.ts';
import { alignDown } from '../functions/core/resolution.ts';
import { DEFAULT_DATA_LAG_MS } from '../functions/core/assess.ts';
import { formatIssue, type ContractIssue } from '../functions/contracts/loader.ts';
import { CliExit, EXIT_FAILED, type CliIo } from './cli.ts';
import { isRefusal, loadHistory, loadObjective, parseCadence, type ChosenObjective, type HistoryIo } from './backtest-command.ts';
import { SuggestError } from '../functions/core/suggest.ts';

function utc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** Attainment with the digits that matter near 100 (99.932 %, 99.9981 %). */
export function attainmentText(pct: number): string {
  return `${pct.toFixed(pct >= 99.99 ? 4 : 3)} %`;
}

function budgetText(v: number): string {
  return `${v.toFixed(1)} %`;
}

function daysText(ms: number): string {
  return `${(ms / 86_400_000).toFixed(2)} d`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** The advice `slo validate` gives when the journey's history is known: a target above it is a setup for early failure. */
export function historyWarning(chosen: ChosenObjective, s: Suggestion): ContractIssue | undefined {
  if (s.verdict !== 'above-history') return undefined;
  const own = s.fits.find((f) => f.targetPct === s.contractTargetPct) as TargetFit;
  const instead = s.recommendedPct !== null ? `; ${s.recommendedPct} % would have held` : '';
  return {
    file: chosen.file,
    path: `spec.objectives[${chosen.index}].target`,
    message: `${s.contractTargetPct} % is above the journey's history (worst ${s.window} span ${attainmentText(s.worst.attainmentPct)}, ${utc(s.worst.startMs)} to ${utc(s.worst.endMs)}; ${own.exhaustedSpans} of ${s.spans} spans overspent): a target above what the journey has done is a setup for early failure${instead}`,
  };
}

function verdictLine(s: Suggestion): string {
  const own = s.fits.find((f) => f.targetPct === s.contractTargetPct) as TargetFit;
  const bestTier = `more than ${s.keepPct} % of its budget`;
  if (s.verdict === 'above-history') {
    return `The contract's target ${s.contractTargetPct} % is ABOVE what this history supports: ${own.exhaustedSpans.toLocaleString('en-US')} of ${s.spans.toLocaleString('en-US')} spans would have spent the whole budget (worst: ${budgetText(own.worstRemainingPct)} left).`;
  }
  if (s.verdict === 'tight') {
    return `The contract's target ${s.contractTargetPct} % fits this history, but only just: no span spends its budget, yet ${own.belowBestTierSpans.toLocaleString('en-US')} of ${s.spans.toLocaleString('en-US')} keep no more than ${s.keepPct} % (worst: ${budgetText(own.worstRemainingPct)} left).`;
  }
  return `The contract's target ${s.contractTargetPct} % fits this history: every span keeps ${bestTier} (worst: ${budgetText(own.worstRemainingPct)} left).`;
}

/** The text report (without trailing newline). Pure. */
export function formatSuggestion(s: Suggestion, costs: BacktestResult, chosen: ChosenObjective, source: string): string {
  const bestTier = chosen.contract.spec.policy.tiers[0]?.name ?? 'best';
  const spanWord = s.window.startsWith('rolling') ? `${s.window.replace('rolling ', '')} span${s.spans === 1 ? '' : 's'}, one starting every hour` : `calendar ${s.window.replace('calendar ', '')}${s.spans === 1 ? '' : 's'}`;
  const lines = [
    `${s.contract} / ${s.objective}: a target from history, over ${s.window} windows`,
    `History: ${utc(s.fromMs)} to ${utc(s.toMs)} UTC from ${source}; ${s.spans.toLocaleString('en-US')} ${spanWord}`,
    `Attainment per span: worst ${attainmentText(s.worst.attainmentPct)} (${utc(s.worst.startMs)} to ${utc(s.worst.endMs)}), median ${attainmentText(s.medianAttainmentPct)}, best ${attainmentText(s.best.attainmentPct)}`,
    '',
    s.recommendedPct !== null
      ? `Recommended target: ${s.recommendedPct} %`
      : `Recommended target: none of the usual ones: even ${s.fits[0]?.targetPct} % leaves the ${bestTier} tier in the worst span; fix the journey before setting a target`,
    `Rule: the highest usual target (90 to 99.999) at which every ${s.window} span of this history keeps more than ${s.keepPct} % of its error budget, so the journey would have stayed ${bestTier} through its worst window.`,
    `History supports (no span overspent) up to: ${s.supportedPct !== null ? `${s.supportedPct} %` : 'none of the usual targets'}.`,
    verdictLine(s),
    '',
  ];
  const rows = [['target', 'worst span budget', 'spans overspent', 'frozen non-critical', 'frozen all', 'pages', 'tickets']];
  for (const t of costs.targets) {
    const fit = s.fits.find((f) => f.targetPct === t.targetPct);
    const marks = [t.targetPct === s.recommendedPct ? 'recommended' : '', t.targetPct === s.contractTargetPct ? 'contract' : ''].filter(Boolean).join(', ');
    rows.push([
      `${t.targetPct} %${marks ? ` (${marks})` : ''}`,
      fit ? budgetText(fit.worstRemainingPct) : '-',
      fit ? `${fit.exhaustedSpans.toLocaleString('en-US')} of ${s.spans.toLocaleString('en-US')}` : '-',
      daysText(t.frozenNonCriticalMs),
      daysText(t.frozenAllMs),
      String(t.pages),
      String(t.tickets),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) lines.push(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  const cadence = costs.cadenceMs % HOUR_MS === 0 ? `${costs.cadenceMs / HOUR_MS}h` : `${costs.cadenceMs / MINUTE_MS}m`;
  lines.push(`(frozen, pages, tickets: the policy replayed over the same history every ${cadence} from ${utc(costs.firstStepMs)}, ${plural(costs.steps, 'evaluation')}; see slo backtest)`);
  return lines.join('\n');
}

export function suggestionJson(s: Suggestion, costs: BacktestResult, source: string, warnings: ContractIssue[]): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const span = (x: Suggestion['worst']) => ({ from: iso(x.startMs), to: iso(x.endMs), attainmentPct: x.attainmentPct, good: x.good, total: x.total });
  return {
    contract: s.contract,
    objective: s.objective,
    window: s.window,
    source,
    history: { from: iso(s.fromMs), to: iso(s.toMs) },
    spans: s.spans,
    attainment: { worst: span(s.worst), medianPct: s.medianAttainmentPct, best: span(s.best) },
    rule: `highest target on the ladder at which every span keeps more than ${s.keepPct} % of its budget`,
    keepPct: s.keepPct,
    recommendedPct: s.recommendedPct,
    supportedPct: s.supportedPct,
    contractTargetPct: s.contractTargetPct,
    verdict: s.verdict,
    fits: s.fits,
    costs: {
      cadenceMinutes: costs.cadenceMs / MINUTE_MS,
      evaluations: costs.steps,
      targets: costs.targets.map((t) => ({
        targetPct: t.targetPct,
        frozenNonCriticalDays: t.frozenNonCriticalMs / 86_400_000,
        frozenAllDays: t.frozenAllMs / 86_400_000,
        pages: t.pages,
        tickets: t.tickets,
        tierChanges: t.timeline.filter((c) => c.from !== null).length,
        worstRemainingPct: t.worst?.remainingPct ?? null,
      })),
    },
    warnings,
  };
}

interface SuggestOpts {
  objective?: string;
  metricsFile?: string;
  from?: string;
  to?: string;
  cadence: string;
  json?: boolean;
}

export function addSuggestCommand(program: Command, io: CliIo & HistoryIo): void {
  program
    .command('suggest')
    .description('a target from history (attainment over every window-length span), next to its neighbours and their freeze days')
    .argument('<contract-file>', 'one contract (YAML)')
    .option('--objective <name>', 'the objective (required when the contract has several)')
    .option('--metrics-file <file>', 'history from a CSV file instead of CloudWatch (same format as slo backtest)')
    .option('--from <date>', 'start of the history (default: 15 months ago, all CloudWatch keeps; with a file, its first row)')
    .option('--to <date>', 'end of the history (default: now; with a file, its end)')
    .option('--cadence <duration>', 'how often the cost backtest evaluates', '1h')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: SuggestOpts) => {
      const cadenceMs = parseCadence(o.cadence);
      const chosen = loadObjective(io, file, o.objective);
      try {
        const nowMs = io.nowMs();
        const defaultFromMs = -alignDown(-(nowMs - HOURLY_RETENTION_MS), HOUR_MS);
        // Hourly data: CloudWatch keeps it for 15 months, and a window-length span needs nothing finer.
        const history = await loadHistory(io, chosen, { ...o, ...(o.metricsFile === undefined && o.to === undefined ? { to: new Date(alignDown(nowMs - DEFAULT_DATA_LAG_MS, HOUR_MS)).toISOString() } : {}) }, { periodMs: HOUR_MS, defaultFromMs });
        const suggestion = suggestTarget(chosen.contract, chosen.objective, history.buckets, { fromMs: history.fromMs, toMs: history.toMs });
        const costs = backtest(chosen.contract, chosen.objective, history.buckets, targetsToCost(suggestion), { fromMs: history.fromMs, toMs: history.toMs, cadenceMs });
        const warning = historyWarning(chosen, suggestion);
        if (o.json) {
          io.out(`${JSON.stringify(suggestionJson(suggestion, costs, history.source, warning ? [warning] : []), null, 2)}\n`);
        } else {
          io.out(`${formatSuggestion(suggestion, costs, chosen, history.source)}\n`);
          if (warning) io.out(`\nwarning: ${formatIssue(warning)}\n`);
        }
      } catch (err) {
        if (!isRefusal(err) && !(err instanceof SuggestError)) throw err;
        for (const line of err.message.split('\n')) io.err(`error: ${line}\n`);
        throw new CliExit(EXIT_FAILED);
      }
    });
}
