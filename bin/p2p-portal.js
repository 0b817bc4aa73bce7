#!/usr/bin/env -S node --max-semi-space-size=4
// A 4 MB young generation (V8's default is 16): under a roomful of phones the heap then peaks ~20 MB lower,
// which a Pi Zero 2 W's 512 MB needs more than the few % of throughput it costs (bench/README.md).
// Runs the compiled CLI (npm install/ci builds it through the "prepare" script).
import { main } from '../dist/services/cli.js'
main(process.argv.slice(2))
