import type { MetricSummary, SimulationOutput } from '../../shared/simulation'

function show(m: MetricSummary, digits: number, withCi: boolean): string {
  if (m.mean === null || !Number.isFinite(m.mean)) return '-'
  const value = m.mean.toFixed(digits)
  if (!withCi || m.ci95[0] === m.ci95[1]) return value
  return `${value} ±${((m.ci95[1] - m.ci95[0]) / 2).toFixed(digits)}`
}

/** The console table `synkti simulate` prints: one row per policy, ± the 95% CI half-width over runs. */
export function formatResultsTable(output: SimulationOutput): string {
  if (output.services) return formatServiceTable(output)
  const many = output.config.runs > 1
  const deadline = output.config.workload.kind === 'deadline'
  const header = [
    'policy',
    'cost $',
    ...(deadline ? ['gap to optimal %'] : []),
    'savings %',
    'spot h',
    'on-demand h',
    'completed',
    deadline ? 'finish h' : 'p50 h',
    'preemptions',
    'lost GPU-h',
    deadline ? 'deadline met %' : 'ckpt full/part/restart'
  ]
  const rows = output.results.map(({ policy, metrics: m }) => [
    policy,
    show(m.total_cost, 2, many),
    ...(deadline ? [show(m.gap_to_optimal_pct, 1, many)] : []),
    show(m.savings_pct, 1, many),
    show(m.spot_hours, 1, many),
    show(m.ondemand_hours, 1, many),
    `${show(m.completed_tasks, many ? 1 : 0, false)}/${show(m.total_tasks, 0, false)}`,
    show(m.completion_time_p50_hours, 2, many),
    show(m.preemptions, many ? 1 : 0, many),
    show(m.work_lost_gpu_hours, 2, many),
    deadline
      ? show(m.deadline_met_pct, 0, many)
      : [m.checkpoints_full, m.checkpoints_partial, m.checkpoints_restart]
          .map((x) => show(x, many ? 1 : 0, false))
          .join('/')
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
  const market =
    output.config.market.kind === 'trace'
      ? `trace ${output.config.market.path}`
      : 'synthetic market'
  const workload =
    output.config.workload.kind === 'batch'
      ? `${output.config.workload.tasks} tasks`
      : output.config.workload.kind === 'service'
        ? 'service'
        : `job ${output.config.workload.computeHours} h, deadline ${output.config.workload.deadlineHours} h`
  const notes = [
    ...output.results
      .filter((r) => r.savings_note)
      .map((r) => `savings of ${r.policy}: ${r.savings_note}`),
    ...(output.notes ?? [])
  ]
  return [
    `${workload} over ${output.config.durationHours} h, ${market}, seed ${output.seed}, ${output.config.runs} run${many ? 's' : ''}${many ? ' (± = 95% CI)' : ''}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...notes.map((n) => `note: ${n}`)
  ].join('\n')
}

/** Service mode: one row per placement (availability, cost against all on-demand, reclaims, launches). */
function formatServiceTable(output: SimulationOutput): string {
  const many = output.config.runs > 1
  const header = [
    'placement',
    'availability %',
    'cost $',
    'cost % of on-demand',
    'spot h',
    'on-demand h',
    'notices',
    'launches spot/od',
    'launch failures'
  ]
  const rows = (output.services ?? []).map(({ placement, metrics: m }) => [
    placement,
    show(m.availability_pct, 2, many),
    show(m.total_cost, 2, many),
    show(m.cost_pct_of_ondemand, 1, many),
    show(m.spot_hours, 1, many),
    show(m.ondemand_hours, 1, many),
    show(m.notices, many ? 1 : 0, many),
    [m.instances_launched_spot, m.instances_launched_ondemand]
      .map((x) => show(x, many ? 1 : 0, false))
      .join('/'),
    show(m.launch_failures, many ? 1 : 0, many)
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
  const { config } = output
  const w = config.workload.kind === 'service' ? config.workload : undefined
  const market = config.market.kind === 'trace' ? `trace ${config.market.path}` : 'synthetic market'
  const shape = w
    ? `service of ${w.replicas} replicas (+${w.overProvision} spot for spothedge, ${w.standby} spares), boot ${w.bootSeconds} s + model load ${w.modelLoadSeconds} s`
    : 'service'
  return [
    `${shape} over ${config.durationHours} h, ${market}, seed ${output.seed}, ${config.runs} run${many ? 's' : ''}${many ? ' (± = 95% CI)' : ''}`,
    line(header),
    line(widths.map((x) => '-'.repeat(x))),
    ...rows.map(line),
    ...(output.notes ?? []).map((n) => `note: ${n}`)
  ].join('\n')
}
