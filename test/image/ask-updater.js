// Sends one request line to p2p-portal-updater's socket and prints the reply line (run on the Pi as root, from
// stdin: `sudo node - '{"op":"status"}' < ask-updater.js`). The image test's stand-in for the node's client.
const net = require('node:net')
const socket = net.connect(process.env.UPDATER_SOCKET || '/run/p2p-portal/updater.sock')
let reply = ''
socket.on('data', d => { reply += d; if (reply.includes('\n')) { process.stdout.write(reply); socket.end() } })
socket.on('error', err => { console.error(err.message); process.exitCode = 1 })
socket.end(process.argv[2] + '\n')
