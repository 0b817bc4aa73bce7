// Wi-Fi through p2p-portal-netd (NetdClient). Without the helper the page says so instead of failing.
import { Router } from 'express'
import type { NetdClient } from '../../services/netd/netd-client.js'
import { isPortalError } from '../../services/errors.js'
import { AdminKit, field, wrap } from './admin-kit.js'
import { wifiBody } from './wifi-page.js'

export type WifiControl = Pick<NetdClient, 'status' | 'scan' | 'join' | 'setHotspot'>

export function wifiRoutes (kit: AdminKit, wifi: WifiControl): Router {
  const router = Router()

  const page = async (res: Parameters<AdminKit['render']>[0], networks: Awaited<ReturnType<WifiControl['scan']>> | null) => {
    const csrf = kit.session(res).csrf
    const { t } = kit.tr(res)
    try {
      const status = await wifi.status()
      if (!status.available) return kit.render(res, t('navWifi'), wifiBody(t, { status, unavailable: t('wifiNoNetworkManager'), networks, csrf }))
      kit.render(res, t('navWifi'), wifiBody(t, { status, unavailable: null, networks, csrf }))
    } catch (err) {
      if (!isPortalError(err, 'WIFI_UNAVAILABLE')) throw err
      kit.render(res, t('navWifi'), wifiBody(t, { status: null, unavailable: err.message, networks: null, csrf }))
    }
  }

  router.get('/admin/wifi', wrap(async (req, res) => page(res, null)))

  router.post('/admin/wifi/scan', wrap(async (req, res) => {
    let networks = null
    try { networks = await wifi.scan() } catch (err) { if (!isPortalError(err, 'WIFI_UNAVAILABLE')) throw err }
    await page(res, networks)
  }))

  const optional = (s: string) => s === '' ? undefined : s

  router.post('/admin/wifi/join', wrap(async (req, res) => {
    const ssid = field(req, 'ssid')
    await wifi.join({ ssid, password: optional(field(req, 'password')) })
    kit.done(req, res, ['doneJoined', { ssid }], '/admin/wifi')
  }))

  router.post('/admin/wifi/hotspot', wrap(async (req, res) => {
    const ssid = field(req, 'ssid')
    await wifi.setHotspot({ ssid, password: optional(field(req, 'password')) })
    kit.done(req, res, ['doneHotspot', { ssid }], '/admin/wifi')
  }))

  return router
}
