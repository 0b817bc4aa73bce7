import { describe, it, expect } from 'vitest'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_NETD_SOCKET } from '../../services/netd/netd-client.js'
import { DEFAULT_UPDATER_SOCKET } from '../../services/update/updater-client.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// Sockets stay with the image; the units that run release code come with each release (image/units).
const IMAGE_UNITS = path.join(ROOT, 'image/overlay/etc/systemd/system')
const RELEASE_UNITS = path.join(ROOT, 'image/units')

describe('the root helpers on the appliance image', () => {
  it('the portal connects where p2p-portal-netd.socket listens, and the node\'s unit may reach it', async () => {
    const socketUnit = await fs.readFile(path.join(IMAGE_UNITS, 'p2p-portal-netd.socket'), 'utf8')
    expect(socketUnit).toMatch(new RegExp(`^ListenStream=${DEFAULT_NETD_SOCKET}$`, 'm'))
    expect(socketUnit).toMatch(/^SocketGroup=p2p-portal$/m)
    const nodeUnit = await fs.readFile(path.join(RELEASE_UNITS, 'p2p-portal.service'), 'utf8')
    expect(nodeUnit).toMatch(/^Wants=.*p2p-portal-netd\.socket/m)
    // The node's sandbox must leave the socket's folder visible and AF_UNIX allowed.
    expect(nodeUnit).not.toMatch(/^InaccessiblePaths=.*\/run/m)
    expect(nodeUnit).toMatch(/^RestrictAddressFamilies=.*AF_UNIX/m)
  })

  it('the update helper listens where the node looks for it, and only root and the node\'s group may talk to it', async () => {
    const socketUnit = await fs.readFile(path.join(IMAGE_UNITS, 'p2p-portal-updater.socket'), 'utf8')
    expect(socketUnit).toMatch(new RegExp(`^ListenStream=${DEFAULT_UPDATER_SOCKET}$`, 'm'))
    expect(socketUnit).toMatch(/^SocketGroup=p2p-portal$/m)
    expect(socketUnit).toMatch(/^SocketMode=0660$/m)
  })
})
