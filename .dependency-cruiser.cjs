// Import boundaries of Synkti, checked by `npm run lint` (dependency-cruiser). ARCHITECTURE.md
// explains each rule. Paths are matched with `(^|/)src/...` rather than `^src/...` so the same
// rules apply to the small violating trees under test/boundaries that prove each rule bites.

const SRC = '(^|/)src/'
const PURE_CORES = `${SRC}main/(simulator|placement|checkpoint|billing|policies)/`
const TEST_FILE = '\\.(test|spec|bench)\\.ts$'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-imports-only-shared',
      comment: 'src/shared is the contract: it imports nothing from main, preload or renderer.',
      severity: 'error',
      from: { path: `${SRC}shared/` },
      to: { path: `${SRC}(main|preload|renderer)/` }
    },
    {
      name: 'renderer-reaches-engine-only-through-contract',
      comment:
        'The renderer imports only src/shared and itself; it reaches the engine through the typed API.',
      severity: 'error',
      from: { path: `${SRC}renderer/`, pathNot: TEST_FILE },
      to: { path: `${SRC}(main|preload)/` }
    },
    {
      name: 'pure-cores-import-only-shared-and-cores',
      comment:
        'simulator, placement, checkpoint, billing and policies import only src/shared and each other: ' +
        'never providers, engine, api, agent, history, runtime or the real clock.',
      severity: 'error',
      from: { path: PURE_CORES, pathNot: TEST_FILE },
      to: {
        path: `${SRC}(main|preload|renderer)/`,
        pathNot: PURE_CORES
      }
    },
    {
      name: 'only-desktop-wiring-imports-electron',
      comment: 'Only src/main/desktop, src/main/index.ts and the preload bridge import electron.',
      severity: 'error',
      from: { pathNot: `${SRC}(main/desktop/|main/index\\.ts$|main/index\\.test\\.ts$|preload/)` },
      to: { path: '(^|/)node_modules/electron/|^electron$' }
    },
    {
      name: 'product-never-imports-test-code',
      comment:
        'Test doubles, fixtures and harnesses live under test/; product code never imports them.',
      severity: 'error',
      from: { path: SRC, pathNot: TEST_FILE },
      to: { path: '(^|/)test/(support|fixtures|integration|e2e|bench)/' }
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders depend on each other in one direction only.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true }
    },
    {
      name: 'no-module-cycles',
      comment: 'No module imports itself through others.',
      severity: 'error',
      from: {},
      to: { circular: true }
    }
  ],
  options: {
    // The product graph: tests are left out (they may import test doubles, which import the product),
    // and test/support and test/fixtures are leaves, so a product import of them is seen but is not
    // followed into a false cycle.
    doNotFollow: { path: ['node_modules', '^test/(support|fixtures)/'] },
    exclude: { path: ['(^|/)(out|dist)/', TEST_FILE] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.web.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.vue', '.json', '.d.ts']
    }
  }
}
