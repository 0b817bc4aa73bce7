// Wi-Fi through p2p-portal-netd (NetdClient). Without the helper the page says so instead of failing.
import { Router, type Request, type Response } from 'express'
import type { NetdClient } from '../../services/netd/netd-client.js'
import { isPortalError } from '../../services/errors.js'
import { AdminKit, field, wrap } from './admin-kit.js'
import { wifiBody } from './wifi-page.js'
import { errorText } from '../i18n/error-text.js'
import type { FormState } from './form-state.js'

export type WifiControl = Pick<NetdClient, 'status' | 'scan' | 'join' | 'setHotspot'>

export function wifiRoutes (kit: AdminKit, wifi: WifiControl): Router {
  const router = Router()

  const page = async (res: Parameters<AdminKit['render']>[0], networks: Awaited<ReturnType<WifiControl['scan']>> | null, f?: FormState, code = 200) => {
    const csrf = kit.session(res).csrf
    const { t } = kit.tr(res)
    try {
      const status = await wifi.status()
      if (!status.available) return kit.render(res, t('navWifi'), wifiBody(t, { status, unavailable: t('wifiNoNetworkManager'), networks, csrf }))
      kit.render(res, t('navWifi'), wifiBody(t, { status, unavailable: null, networks, csrf, f }), code)
    } catch (err) {
      if (!isPortalError(err, 'WIFI_UNAVAILABLE')) throw err
      kit.render(res, t('navWifi'), wifiBody(t, { status: null, unavailable: errorText(err, kit.tr(res)), networks: null, csrf }))
    }
  }

  router.get('/admin/wifi', wrap(async (req, res) => page(res, null)))

  router.post('/admin/wifi/scan', wrap(async (req, res) => {
    let networks = null
    try { networks = await wifi.scan() } catch (err) { if (!isPortalError(err, 'WIFI_UNAVAILABLE')) throw err }
    await page(res, networks)
  }))

  const optional = (s: string) => s === '' ? undefined : s

  // A network that refused the join (502), or nmcli refusing the name, is about what was typed: the page again,
  // with the network name kept and the reason next to it.
  const retry = (req: Request, res: Response, err: unknown, form: string) =>
    kit.retry(req, res, err, form, 'ssid', (f, status) => page(res, null, f, status), ['WIFI_FAILED'])

  router.post('/admin/wifi/join', wrap(async (req, res) => {
    const ssid = field(req, 'ssid')
    try {
      await wifi.join({ ssid, password: optional(field(req, 'password')) })
    } catch (err) {
      return retry(req, res, err, 'join')
    }
    kit.done(req, res, ['doneJoined', { ssid }], '/admin/wifi')
  }))

  router.post('/admin/wifi/hotspot', wrap(async (req, res) => {
    const ssid = field(req, 'ssid')
    try {
      await wifi.setHotspot({ ssid, password: optional(field(req, 'password')) })
    } catch (err) {
      return retry(req, res, err, 'hotspot')
    }
    kit.done(req, res, ['doneHotspot', { ssid }], '/admin/wifi')
  }))

  return router
}
