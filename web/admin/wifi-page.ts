// Wi-Fi: join a network as a client and set the hotspot, through the privileged helper (p2p-portal-netd).
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import type { WifiNetwork } from '../../services/wifi/wifi-adapter.js'
import type { NetdStatus } from '../../services/netd/parse-netd-request.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import { fieldError, invalid, typed, type FormState } from './form-state.js'

export function wifiBody (t: AdminTranslator['t'], o: { status: NetdStatus | null, unavailable: string | null, networks: WifiNetwork[] | null, csrf: string, f?: FormState }): Html {
  const f = o.f
  if (o.unavailable !== null) {
    return html`<h1>${t('navWifi')}</h1><section><p>${t('wifiNoHelper')}</p><p class="note">${o.unavailable}</p>
<p class="note">${t('wifiWorksWithout')}</p></section>`
  }
  const cur = o.status?.current
  return html`<h1>${t('navWifi')}</h1>
<section><p>${cur ? html`${cur.mode === 'hotspot' ? t('wifiRunningHotspot', { ssid: cur.ssid }) : t('wifiConnectedTo', { ssid: cur.ssid })}${cur.signal !== undefined ? t('wifiWithSignal', { n: cur.signal }) : ''}.` : t('wifiNotConnected')}</p></section>
<section><h2>${t('joinNetwork')}</h2>
<form method="post" action="/admin/wifi/scan" class="inline">${csrfField(o.csrf)}<button class="quiet">${t('wifiScan')}</button></form>
${o.networks ? html`<table><tr><th>${t('wifiNetwork')}</th><th class="num">${t('wifiSignal')}</th><th>${t('wifiSecurity')}</th></tr>
${o.networks.map(n => html`<tr><td>${n.ssid}</td><td class="num">${n.signal}%</td><td>${n.security}</td></tr>`)}</table>` : ''}
<form method="post" action="/admin/wifi/join">${csrfField(o.csrf)}
<label>${t('wifiNetworkName')}<br><input type="text" name="ssid" required maxlength="32" list="ssids" value="${typed(f, 'join', 'ssid')}"${invalid(f, 'join', 'ssid')}></label>${fieldError(f, 'join', 'ssid')}
${o.networks ? html`<datalist id="ssids">${o.networks.map(n => html`<option value="${n.ssid}">`)}</datalist>` : ''}
<label>${t('wifiJoinPassword')}<br><input type="password" name="password" maxlength="63" autocomplete="off"${invalid(f, 'join', 'password')}></label>${fieldError(f, 'join', 'password')}
<p><button>${t('wifiJoin')}</button></p>
<p class="note">${t('wifiJoinNote')}</p></form></section>
<section><h2>${t('hotspot')}</h2>
<form method="post" action="/admin/wifi/hotspot">${csrfField(o.csrf)}
<label>${t('wifiHotspotName')}<br><input type="text" name="ssid" required maxlength="32" value="${typed(f, 'hotspot', 'ssid')}"${invalid(f, 'hotspot', 'ssid')}></label>${fieldError(f, 'hotspot', 'ssid')}
<label>${t('wifiHotspotPassword')}<br><input type="password" name="password" maxlength="63" autocomplete="new-password"${invalid(f, 'hotspot', 'password')}></label>${fieldError(f, 'hotspot', 'password')}
<p><button>${t('wifiSetHotspot')}</button></p>
<p class="note">${t('wifiHotspotNote')}</p></form></section>`
}
