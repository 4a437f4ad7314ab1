/**
 * Exact rectangular minimum-cost assignment.
 *
 * Shortest augmenting path (Jonker-Volgenant family, in the rectangular form of Crouse 2016, the
 * algorithm behind scipy's linear_sum_assignment), extended so that forbidden cells (`Infinity`)
 * never make the problem infeasible: the result is a maximum-cardinality assignment and, among
 * those, one of minimum total cost.
 *
 * How the extension works: conceptually every row gets a private "stay unassigned" column of cost
 * M (M larger than any finite difference). Plain row-by-row shortest augmenting path on that
 * augmented matrix is exact and maximises cardinality first. A row can only reach such a column at
 * the end of a path, so we never materialise them or carry M symbolically:
 *  - if the new row reaches a free real column the path is finite and always beats any M path;
 *  - otherwise every option costs exactly one M, and the finite parts are compared directly:
 *    leave the new row out, or let it in along a shortest alternating path and push out the
 *    matched row at the end of that path (whichever lowers the cost most).
 * A row pushed out sits on its private column for good (nothing else can reach it), so it is
 * never revisited, and the duals of the remaining rows are kept finite and feasible.
 *
 * Square matrices first try the Jonker-Volgenant initialisation (column reduction, reduction
 * transfer, augmenting row reduction), which settles most rows before any search; it is only
 * sound when every row ends assigned, so a square matrix without a perfect assignment is redone
 * from a plain row reduction.
 */

export interface Assignment {
  /** column assigned to each row, -1 when the row is left unassigned */
  rowToCol: Int32Array
  /** row assigned to each column, -1 when the column is left unassigned */
  colToRow: Int32Array
  /** sum of the costs of the assigned cells (0 when nothing is assigned) */
  total: number
  /** number of assigned pairs (the maximum possible given the forbidden cells) */
  assigned: number
}

/**
 * Minimum-cost assignment of a rows x cols cost matrix given row-major.
 *
 * `Infinity` marks a forbidden cell. The assignment first maximises the number of assigned pairs,
 * then minimises their total cost. Rows whose cells are all forbidden, and surplus rows or columns
 * of a rectangular matrix, stay at -1. Costs may be negative. Throws on NaN, on -Infinity and on
 * a cost array whose length is not rows * cols. The input array is never modified.
 */
export function solveAssignment(cost: Float64Array, rows: number, cols: number): Assignment {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new Error(
      `solveAssignment: rows and cols must be non-negative integers, got ${rows} x ${cols}`
    )
  }
  if (cost.length !== rows * cols) {
    throw new Error(
      `solveAssignment: cost has ${cost.length} entries, expected rows * cols = ${rows} * ${cols} = ${rows * cols}`
    )
  }
  for (let k = 0; k < cost.length; k++) {
    const c = cost[k]
    // c !== c is the NaN test; -Infinity would make every augmenting path unbounded below.
    if (c !== c) {
      throw new Error(
        `solveAssignment: cost[${k}] (row ${Math.floor(k / cols)}, col ${k % cols}) is NaN`
      )
    }
    if (c === -Infinity) {
      throw new Error(
        `solveAssignment: cost[${k}] (row ${Math.floor(k / cols)}, col ${k % cols}) is -Infinity; use finite costs or Infinity for forbidden`
      )
    }
  }

  const rowToCol = new Int32Array(rows).fill(-1)
  const colToRow = new Int32Array(cols).fill(-1)
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, total: 0, assigned: 0 }

  // The search runs from rows and scans one cost row per step, so keep the short side as rows:
  // fewer unassignable rows to push out, and each scanned row is a contiguous, cache-friendly run.
  if (rows <= cols) {
    solveRowsLeCols(cost, rows, cols, rowToCol, colToRow)
  } else {
    const t = new Float64Array(rows * cols)
    for (let i = 0; i < rows; i++) {
      const base = i * cols
      for (let j = 0; j < cols; j++) t[j * rows + i] = cost[base + j]
    }
    solveRowsLeCols(t, cols, rows, colToRow, rowToCol)
  }

  let total = 0
  let assigned = 0
  for (let i = 0; i < rows; i++) {
    const j = rowToCol[i]
    if (j >= 0) {
      total += cost[i * cols + j]
      assigned++
    }
  }
  return { rowToCol, colToRow, total, assigned }
}

/** Scratch arrays for one solve, allocated once so the search loops never allocate. */
interface Scratch {
  u: Float64Array // row duals
  v: Float64Array // column duals
  spc: Float64Array // shortest reduced path cost from the routed row to each column
  path: Int32Array // predecessor row of each column on the shortest path tree
  remaining: Int32Array // columns not yet scanned in the current search (swap-removed)
  scanned: Int32Array // columns scanned in the current search, in scan order
  pending: Int32Array // rows still to route
}

/** Core solver for nr <= nc; fills col4row / row4col, which arrive filled with -1. */
function solveRowsLeCols(
  c: Float64Array,
  nr: number,
  nc: number,
  col4row: Int32Array,
  row4col: Int32Array
): void {
  const s: Scratch = {
    u: new Float64Array(nr),
    v: new Float64Array(nc),
    spc: new Float64Array(nc),
    path: new Int32Array(nc),
    remaining: new Int32Array(nc),
    scanned: new Int32Array(nc),
    pending: new Int32Array(nr)
  }
  if (nr === nc) {
    // Square: try the Jonker-Volgenant initialisation, which leaves few rows for the expensive
    // searches. Its column duals break the rectangular invariant (see route), which only matters
    // if some row ends unassigned; route reports that, and we redo the solve the safe way.
    const numPending = initSquare(c, nr, s, col4row, row4col)
    if (numPending >= 0 && route(c, nc, s, numPending, col4row, row4col, true)) return
    col4row.fill(-1)
    row4col.fill(-1)
    s.v.fill(0)
  }
  route(c, nc, s, initRowReduction(c, nr, nc, s, col4row, row4col), col4row, row4col, false)
}

/**
 * Rectangular-safe start: u[i] = row minimum and v = 0 keep every reduced cost >= 0, and a row
 * whose minimum sits on a still-free column takes it (a tight cell, so the certificate of route
 * holds). Rows with no finite cell are dropped: no assignment can use them.
 * Returns the number of rows left in s.pending.
 */
function initRowReduction(
  c: Float64Array,
  nr: number,
  nc: number,
  s: Scratch,
  col4row: Int32Array,
  row4col: Int32Array
): number {
  const { u, pending } = s
  let numPending = 0
  for (let i = 0; i < nr; i++) {
    const base = i * nc
    let best = Infinity
    let bestJ = -1
    for (let j = 0; j < nc; j++) {
      const x = c[base + j]
      if (x < best) {
        best = x
        bestJ = j
      }
    }
    if (bestJ < 0) continue
    u[i] = best
    if (row4col[bestJ] === -1) {
      row4col[bestJ] = i
      col4row[i] = bestJ
    } else {
      pending[numPending++] = i
    }
  }
  return numPending
}

/**
 * Jonker-Volgenant initialisation for an n x n matrix: column reduction, reduction transfer and
 * two passes of augmenting row reduction. Afterwards every assigned row sits on a cell of minimum
 * reduced cost c - v, which with u[i] = c[i][col] - v[col] makes all its reduced costs >= 0.
 * Returns the number of free rows left in s.pending, or -1 when a row or column has no finite cell
 * (no perfect assignment exists, so the safe path must run).
 */
function initSquare(
  c: Float64Array,
  n: number,
  s: Scratch,
  col4row: Int32Array,
  row4col: Int32Array
): number {
  const { u, v, pending: free } = s
  const argmin = s.path // borrowed: route overwrites it before reading
  const matches = s.remaining // borrowed likewise

  // Column minima, gathered row by row so the matrix is read sequentially.
  v.fill(Infinity)
  for (let i = 0; i < n; i++) {
    const base = i * n
    for (let j = 0; j < n; j++) {
      const x = c[base + j]
      if (x < v[j]) {
        v[j] = x
        argmin[j] = i
      }
    }
  }
  matches.fill(0)
  for (let j = n - 1; j >= 0; j--) {
    if (v[j] === Infinity) return -1
    const i = argmin[j]
    if (matches[i]++ === 0) {
      col4row[i] = j
      row4col[j] = i
    } else if (v[j] < v[col4row[i]]) {
      row4col[col4row[i]] = -1
      col4row[i] = j
      row4col[j] = i
    }
  }

  // Reduction transfer: a row that is the sole minimum of its column hands the slack to its
  // second-best cell to that column's dual, making the column less attractive to other rows.
  let numFree = 0
  for (let i = 0; i < n; i++) {
    if (matches[i] === 0) {
      free[numFree++] = i
      continue
    }
    if (matches[i] !== 1) continue
    const j1 = col4row[i]
    const base = i * n
    let min = Infinity
    for (let j = 0; j < n; j++) {
      if (j === j1) continue
      const x = c[base + j] - v[j]
      if (x < min) min = x
    }
    if (min !== Infinity) v[j1] -= min
  }

  // Augmenting row reduction: a free row takes its best column, pushing the dual of that column
  // down to its second-best margin; an evicted row is retried at once when the dual strictly
  // moved. The step cap bounds pathological ping-pong; leftovers go to the full search.
  let steps = 0
  const cap = 8 * n + 64
  for (let pass = 0; pass < 2 && numFree > 0; pass++) {
    let k = 0
    const prevNumFree = numFree
    numFree = 0
    while (k < prevNumFree) {
      if (++steps > cap) {
        while (k < prevNumFree) free[numFree++] = free[k++]
        break
      }
      const i = free[k++]
      const base = i * n
      let umin = Infinity
      let usubmin = Infinity
      let j1 = -1
      let j2 = -1
      for (let j = 0; j < n; j++) {
        const h = c[base + j] - v[j]
        if (h < usubmin) {
          if (h >= umin) {
            usubmin = h
            j2 = j
          } else {
            usubmin = umin
            j2 = j1
            umin = h
            j1 = j
          }
        }
      }
      if (j1 < 0) return -1
      let i0 = row4col[j1]
      const strict = umin < usubmin && usubmin !== Infinity
      if (strict) {
        v[j1] -= usubmin - umin
      } else if (i0 >= 0 && j2 >= 0) {
        j1 = j2
        i0 = row4col[j2]
      }
      col4row[i] = j1
      row4col[j1] = i
      if (i0 >= 0) {
        col4row[i0] = -1
        if (strict) free[--k] = i0
        else free[numFree++] = i0
      }
    }
  }

  for (let i = 0; i < n; i++) {
    const j = col4row[i]
    u[i] = j >= 0 ? c[i * n + j] - v[j] : 0
  }
  return numFree
}

/**
 * Routes the rows in s.pending one by one along shortest augmenting paths (Dijkstra on reduced
 * costs c - u - v).
 *
 * Invariants between rows: for every assigned row i and every column j, c[i][j] - u[i] - v[j] >= 0
 * with equality on assigned cells, so every reduced cost met after the first step of a search is
 * non-negative. With `strict` false the caller also guarantees v <= 0 everywhere and v = 0 on free
 * columns: together that is the dual certificate of optimality of a rectangular assignment (free
 * columns must share one dual, or the choice of which free column ends a path would be biased),
 * and it is what makes pushing rows out exact (see the file comment).
 * With `strict` true (square, every row must be assigned) a row that cannot be routed makes this
 * return false at once.
 */
function route(
  c: Float64Array,
  nc: number,
  s: Scratch,
  numPending: number,
  col4row: Int32Array,
  row4col: Int32Array,
  strict: boolean
): boolean {
  const { u, v, spc, path, remaining, scanned, pending } = s
  for (let p = 0; p < numPending; p++) {
    const curRow = pending[p]
    for (let j = 0; j < nc; j++) {
      spc[j] = Infinity
      remaining[j] = j
    }
    let numRemaining = nc
    let numScanned = 0
    let minVal = 0
    let i = curRow
    let sink = -1

    // Dijkstra over columns; a column's row is entered once the column is scanned.
    while (true) {
      const base = i * nc
      const h = minVal - u[i]
      let lowest = Infinity
      let lowestK = -1
      for (let k = 0; k < numRemaining; k++) {
        const j = remaining[k]
        const r = h + c[base + j] - v[j]
        let d = spc[j]
        if (r < d) {
          path[j] = i
          spc[j] = r
          d = r
        }
        // On ties prefer a free column: the search can stop there instead of scanning on.
        if (d < lowest || (d === lowest && d !== Infinity && row4col[j] === -1)) {
          lowest = d
          lowestK = k
        }
      }
      if (lowest === Infinity) break // every reachable column scanned, none free
      minVal = lowest
      const j = remaining[lowestK]
      remaining[lowestK] = remaining[--numRemaining]
      scanned[numScanned++] = j
      if (row4col[j] === -1) {
        sink = j
        break
      }
      i = row4col[j]
    }

    let end = sink
    if (sink === -1) {
      if (strict) return false
      // No free column reachable: cardinality cannot grow. Leaving curRow out changes nothing;
      // letting it in along the path to column j and pushing out row4col[j] changes the real cost
      // by spc[j] + u[curRow] - u[row4col[j]] (the reduced costs telescope along the path).
      let bestVal = -u[curRow]
      for (let k = 0; k < numScanned; k++) {
        const j = scanned[k]
        const val = spc[j] - u[row4col[j]]
        if (val < bestVal) {
          bestVal = val
          end = j
        }
      }
      if (end === -1) continue
      minVal = spc[end]
      col4row[row4col[end]] = -1
    }

    // Dual update, before the matching changes (it reads row4col). Only columns closer than
    // minVal move; the rest keep their duals, which is what keeps reduced costs non-negative
    // (Dijkstra's triangle inequality) and the new path cells tight.
    u[curRow] += minVal
    for (let k = 0; k < numScanned; k++) {
      const j = scanned[k]
      const d = minVal - spc[j]
      if (d > 0) {
        u[row4col[j]] += d
        v[j] -= d
      }
    }

    // Augment: flip the alternating path back to curRow.
    let j = end
    while (true) {
      const pi = path[j]
      row4col[j] = pi
      const next = col4row[pi]
      col4row[pi] = j
      if (pi === curRow) break
      j = next
    }
  }
  return true
}
