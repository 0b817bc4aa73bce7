#!/usr/bin/env node
// The root Wi-Fi helper, started by p2p-portal-netd.socket on the appliance (see app/netd-main.ts).
import { main } from '../dist/bundle/netd-main.js'
main(process.argv.slice(2))
