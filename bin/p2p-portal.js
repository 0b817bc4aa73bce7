#!/usr/bin/env -S node --max-semi-space-size=4 --optimize-for-size
// A 4 MB young generation (V8's default is 16) and V8's memory-over-speed mode: under a roomful of phones the
// heap then peaks 25-40 MB lower, which a Pi Zero 2 W's 512 MB needs more than the ~10 % of small-file
// throughput it costs (bench/README.md).
// Runs the compiled CLI (npm install/ci builds it through the "prepare" script).
import { main } from '../dist/app/cli.js'
main(process.argv.slice(2))
