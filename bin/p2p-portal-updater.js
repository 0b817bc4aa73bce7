#!/usr/bin/env node
// The root update helper: stages, switches and watches releases for p2p-portal.service (see app/updater-main.ts).
import { main } from '../dist/bundle/updater-main.js'
main(process.argv.slice(2))
