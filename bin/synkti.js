#!/usr/bin/env node
'use strict'
// Launcher for the `synkti` command: checks the Node version (better-sqlite3's prebuilt binary and
// the engine need Node 22; npm scripts and npx provide it through the `node` devDependency) and
// runs the built CLI.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `synkti: needs Node 22 or newer, this is ${process.version}. Run it as \`npx synkti ...\` from the project folder (npm provides Node 22 there).\n`
  )
  process.exit(2)
}
const cli = join(__dirname, '..', 'out', 'main', 'cli.js')
if (!existsSync(cli)) {
  process.stderr.write(
    'synkti: not built yet: run `npm run build` (npm install does it) in the project folder.\n'
  )
  process.exit(2)
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code
  })
