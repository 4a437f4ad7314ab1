import type Database from 'better-sqlite3'

// Versioned schema. PRAGMA user_version holds how many steps a file has applied. Steps are only ever
// appended: a released step never changes, a new column or index is a new step.
export const MIGRATIONS: readonly string[] = [
  // 1: the initial schema
  `
  CREATE TABLE instances (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    provider       TEXT NOT NULL,
    region         TEXT NOT NULL,
    zone           TEXT NOT NULL,
    type           TEXT NOT NULL,
    market         TEXT NOT NULL CHECK (market IN ('spot', 'ondemand')),
    gpus           INTEGER NOT NULL,
    gpu_memory_gib REAL NOT NULL,
    ondemand_price REAL NOT NULL,
    launched_at    INTEGER NOT NULL,
    terminated_at  INTEGER,
    tags           TEXT NOT NULL DEFAULT '{}',
    model          TEXT
  );

  -- The append-only event log. No foreign key to instances on purpose: the log must take events in
  -- arrival order, including ones for instances that never got a row (a launch that failed).
  CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    instance_id TEXT,
    data        TEXT
  );
  CREATE INDEX events_at ON events (at);
  CREATE INDEX events_instance_at ON events (instance_id, at);
  -- Launches are rare, so this partial index is tiny and costs ingest nothing; it lets fleetAt find
  -- the instances alive at an instant without scanning the whole log.
  CREATE INDEX events_launch_at ON events (at) WHERE kind = 'launch';

  -- Spot price history. Provider price feeds overlap between polls, so a point is keyed by
  -- (zone, type, at) and re-recording it is a no-op.
  CREATE TABLE spot_prices (
    at     INTEGER NOT NULL,
    region TEXT NOT NULL,
    zone   TEXT NOT NULL,
    type   TEXT NOT NULL,
    price  REAL NOT NULL,
    PRIMARY KEY (zone, type, at)
  ) WITHOUT ROWID;
  CREATE INDEX spot_prices_at ON spot_prices (at);

  -- One row per instance per price segment [from_ms, to_ms): consecutive accruals at an unchanged
  -- price extend the open row instead of adding one per tick.
  CREATE TABLE billing (
    id                      INTEGER PRIMARY KEY,
    instance_id             TEXT NOT NULL REFERENCES instances (id),
    from_ms                 INTEGER NOT NULL,
    to_ms                   INTEGER NOT NULL CHECK (to_ms > from_ms),
    price_per_hour          REAL NOT NULL,
    ondemand_price_per_hour REAL NOT NULL,
    cost                    REAL NOT NULL,
    ondemand_cost           REAL NOT NULL
  );
  CREATE INDEX billing_instance_to ON billing (instance_id, to_ms);
  CREATE INDEX billing_to ON billing (to_ms);

  CREATE TABLE failovers (
    id          INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    phases      TEXT NOT NULL
  );
  CREATE INDEX failovers_started ON failovers (started_at);

  CREATE TABLE simulation_runs (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,
    results    TEXT NOT NULL
  );
  `,
  // 2: billed time per wall time of a ledger row: 1 on a real cloud; a simulated cloud whose clock
  // runs faster (the sandbox) bills that many hours per wall-clock hour, at the real hourly price.
  `
  ALTER TABLE billing ADD COLUMN time_scale REAL NOT NULL DEFAULT 1 CHECK (time_scale > 0);
  `,
  // 3: desired state (workloads as applied) and the lease that keeps one controller per fleet
  `
  CREATE TABLE workloads (
    name         TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('service', 'job')),
    spec         TEXT NOT NULL,
    generation   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    cancelled_at INTEGER
  );
  CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // 4: the live state of each deadline job (progress, checkpoints, decisions), so a restart resumes
  `
  CREATE TABLE job_states (
    name       TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    state      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 5: on-demand list prices from the AWS Price List API, one row per region and type, so a restart
  // (or a machine offline) has the last prices read and knows how old they are
  `
  CREATE TABLE ondemand_prices (
    region     TEXT NOT NULL,
    type       TEXT NOT NULL,
    price      REAL NOT NULL CHECK (price > 0),
    source     TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (region, type)
  ) WITHOUT ROWID;
  `
]

export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings the file up to SCHEMA_VERSION, one transaction per step, so a crash mid-migration leaves the
 * file at the last completed step. Refuses a file written by a newer build: guessing at a schema we
 * do not know could corrupt it.
 */
export function migrate(db: Database.Database, label: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number
  const found = version()
  if (found > SCHEMA_VERSION) {
    throw new Error(
      `history file ${label} has schema version ${found}, newer than this build of Synkti knows ` +
        `(${SCHEMA_VERSION}); upgrade Synkti or open another file`
    )
  }
  for (let step = found; step < SCHEMA_VERSION; step++) {
    // IMMEDIATE takes the write lock first, and the re-check inside makes two processes opening the
    // same new file at once apply each step exactly once.
    db.transaction(() => {
      if (version() !== step) return
      db.exec(MIGRATIONS[step])
      db.pragma(`user_version = ${step + 1}`)
    }).immediate()
  }
}
