import type Database from 'better-sqlite3'
import { LIFECYCLE_KINDS } from './fleet-state'

// Every statement is prepared once, when the history opens: preparing is the costly part of a query.

const EVENT_COLS = 'id, at, kind, instance_id, data'
const LIFECYCLE = `(${LIFECYCLE_KINDS.map((k) => `'${k}'`).join(', ')})`
const INSTANCE_VALUES = `(@id, @name, @provider, @region, @zone, @type, @market, @gpus, @gpuMemoryGiB, @onDemandPrice,
  @launchedAt, @terminatedAt, @tags, @model)`
const INSTANCE_INSERT = `INSERT INTO instances (id, name, provider, region, zone, type, market, gpus, gpu_memory_gib,
  ondemand_price, launched_at, terminated_at, tags, model) VALUES ${INSTANCE_VALUES}`
// the overlap of a ledger row with the window [@from, @to), ms
const CLIP = '(MIN(b.to_ms, @to) - MAX(b.from_ms, @from))'
// Each row holds the cost the billing core booked for it at one price, so a window gets the share of
// it that its wall ms are of the row's; billed hours = wall hours * time_scale (billed per wall time).
const SHARE = `(1.0 * ${CLIP} / (b.to_ms - b.from_ms))`
const COST_COLUMNS = `SUM(b.cost * ${SHARE}) AS cost,
  SUM(b.ondemand_cost * ${SHARE}) AS ondemandCost,
  SUM(b.time_scale * ${CLIP}) / 3600000.0 AS instanceHours`
const OVERLAPS = 'b.to_ms > @from AND b.from_ms < @to'

export interface EventRow {
  id: number
  at: number
  kind: string
  instance_id: string | null
  data: string | null
}

export interface InstanceRow {
  id: string
  name: string
  provider: string
  region: string
  zone: string
  type: string
  market: string
  gpus: number
  gpu_memory_gib: number
  ondemand_price: number
  launched_at: number
  terminated_at: number | null
  tags: string
  model: string | null
}

export type Statements = ReturnType<typeof prepareStatements>

export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql)
  const fleetOps = (op: '<' | '<=') => ({
    // instances launched by @t with no terminal event between that launch and @t
    live: p(`SELECT DISTINCT l.instance_id AS id FROM events l
      WHERE l.kind = 'launch' AND l.at ${op} @t AND l.instance_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM events e WHERE e.instance_id = l.instance_id AND e.kind IN ('terminate', 'launch-failed')
          AND e.at >= l.at AND e.at ${op} @t)`),
    lifecycle: p(`SELECT ${EVENT_COLS} FROM events
      WHERE instance_id = @id AND at ${op} @t AND kind IN ${LIFECYCLE} ORDER BY at, id`)
  })
  return {
    insertEvent: p('INSERT INTO events (at, kind, instance_id, data) VALUES (?, ?, ?, ?)'),
    upsertInstance: p(`${INSTANCE_INSERT} ON CONFLICT (id) DO UPDATE SET name = excluded.name,
      provider = excluded.provider, region = excluded.region, zone = excluded.zone, type = excluded.type,
      market = excluded.market, gpus = excluded.gpus, gpu_memory_gib = excluded.gpu_memory_gib,
      ondemand_price = excluded.ondemand_price, launched_at = excluded.launched_at,
      terminated_at = COALESCE(excluded.terminated_at, instances.terminated_at), tags = excluded.tags,
      model = excluded.model`),
    seedInstance: p(`${INSTANCE_INSERT} ON CONFLICT (id) DO NOTHING`),
    markTerminated: p('UPDATE instances SET terminated_at = ? WHERE id = ?'),
    terminateIfOpen: p(
      'UPDATE instances SET terminated_at = ? WHERE id = ? AND terminated_at IS NULL'
    ),
    getInstance: p('SELECT * FROM instances WHERE id = ?'),
    insertSpotPrice: p(
      'INSERT OR REPLACE INTO spot_prices (at, region, zone, type, price) VALUES (?, ?, ?, ?, ?)'
    ),
    lastLedgerRow:
      p(`SELECT id, from_ms, to_ms, price_per_hour, ondemand_price_per_hour, time_scale FROM billing
      WHERE instance_id = ? ORDER BY to_ms DESC LIMIT 1`),
    extendLedgerRow: p('UPDATE billing SET to_ms = ?, cost = ?, ondemand_cost = ? WHERE id = ?'),
    insertLedgerRow:
      p(`INSERT INTO billing (instance_id, from_ms, to_ms, price_per_hour, ondemand_price_per_hour,
      cost, ondemand_cost, time_scale) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    insertFailover: p(`INSERT INTO failovers (instance_id, started_at, ended_at, outcome, phases)
      VALUES (?, ?, ?, ?, ?)`),
    failoversBetween:
      p(`SELECT id, instance_id, started_at, ended_at, outcome, phases FROM failovers
      WHERE started_at >= ? AND started_at < ? ORDER BY started_at, id`),
    insertRun: p(
      'INSERT INTO simulation_runs (created_at, name, config, results) VALUES (?, ?, ?, ?)'
    ),
    listRuns: p(
      'SELECT id, created_at, name FROM simulation_runs ORDER BY created_at DESC, id DESC'
    ),
    getRun: p('SELECT id, created_at, name, config, results FROM simulation_runs WHERE id = ?'),
    // json_each takes the kinds as one bound JSON array, so one statement serves every filter
    eventsBetween: p(`SELECT ${EVENT_COLS} FROM events WHERE at >= @from AND at < @to
      AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds))) ORDER BY at, id LIMIT @limit`),
    // a separate statement so the (instance_id, at) index is used, not the at index
    instanceEventsBetween: p(`SELECT ${EVENT_COLS} FROM events WHERE instance_id = @instanceId
      AND at >= @from AND at < @to AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
      ORDER BY at, id LIMIT @limit`),
    timeline:
      p(`SELECT instance_id AS instanceId, @from + CAST((at - @from) / @bucket AS INTEGER) * @bucket AS bucket,
      kind, COUNT(*) AS count FROM events WHERE at >= @from AND at < @to
      GROUP BY instance_id, bucket, kind ORDER BY instance_id, bucket, kind`),
    costByInstance: p(
      `SELECT b.instance_id AS key, ${COST_COLUMNS} FROM billing b WHERE ${OVERLAPS} GROUP BY 1 ORDER BY 1`
    ),
    costByType:
      p(`SELECT i.type AS key, ${COST_COLUMNS} FROM billing b JOIN instances i ON i.id = b.instance_id
      WHERE ${OVERLAPS} GROUP BY 1 ORDER BY 1`),
    costByZone:
      p(`SELECT i.zone AS key, ${COST_COLUMNS} FROM billing b JOIN instances i ON i.id = b.instance_id
      WHERE ${OVERLAPS} GROUP BY 1 ORDER BY 1`),
    costTotal: p(`SELECT ${COST_COLUMNS} FROM billing b WHERE ${OVERLAPS}`),
    ledgerSegments: p(`SELECT from_ms AS fromMs, to_ms AS toMs, cost, ondemand_cost AS ondemandCost,
      time_scale AS timeScale FROM billing b WHERE ${OVERLAPS}`),
    ledgerPriceAt: p(
      'SELECT price_per_hour AS price FROM billing WHERE instance_id = ? AND from_ms <= ? AND to_ms > ? LIMIT 1'
    ),
    spotPriceAt: p(
      'SELECT price FROM spot_prices WHERE zone = ? AND type = ? AND at <= ? ORDER BY at DESC LIMIT 1'
    ),
    // the newest @limit points of the window (a negative LIMIT is none), handed back in time order
    spotPrices:
      p(`SELECT * FROM (SELECT at, region, zone, type AS instanceType, price FROM spot_prices
      WHERE at >= @from AND at < @to AND (@region IS NULL OR region = @region) AND (@zone IS NULL OR zone = @zone)
      AND (@type IS NULL OR type = @type) ORDER BY at DESC, zone DESC, type DESC LIMIT @limit)
      ORDER BY at, zone, instanceType`),
    stats:
      p(`SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM instances) AS instances,
      (SELECT COUNT(*) FROM spot_prices) AS spotPrices, (SELECT COUNT(*) FROM billing) AS billingRows,
      (SELECT COUNT(*) FROM failovers) AS failovers, (SELECT COUNT(*) FROM simulation_runs) AS simulationRuns`),
    fleetBefore: fleetOps('<'),
    fleetAt: fleetOps('<=')
  }
}
