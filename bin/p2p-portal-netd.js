#!/usr/bin/env node
// The root Wi-Fi helper, started by p2p-portal-netd.socket on the appliance (see services/netd/main.ts).
import { main } from '../dist/services/netd/main.js'
main(process.argv.slice(2))
