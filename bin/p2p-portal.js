#!/usr/bin/env node
// Runs the compiled CLI (npm install/ci builds it through the "prepare" script).
import { main } from '../dist/services/cli.js'
main(process.argv.slice(2))
