// Wi-Fi: join a network as a client and set the hotspot, through the privileged helper (p2p-portal-netd).
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import type { WifiNetwork } from '../../services/wifi/wifi-adapter.js'
import type { NetdStatus } from '../../services/netd/parse-netd-request.js'
import type { AdminTranslator } from '../i18n/admin-language.js'

export const NO_WIFI = "Wi-Fi settings need NetworkManager / the appliance's network helper (p2p-portal-netd), which this node does not have."

export function wifiBody (t: AdminTranslator['t'], o: { status: NetdStatus | null, unavailable: string | null, networks: WifiNetwork[] | null, csrf: string }): Html {
  if (o.unavailable !== null) {
    return html`<h1>Wi-Fi</h1><section><p>${NO_WIFI}</p><p class="note">${o.unavailable}</p>
<p class="note">The node works without it: connect it by Ethernet, or set Wi-Fi up with the operating system's own tools.</p></section>`
  }
  const cur = o.status?.current
  return html`<h1>Wi-Fi</h1>
<section><p>${cur ? html`${cur.mode === 'hotspot' ? 'Running the hotspot' : 'Connected to'} “${cur.ssid}”${cur.signal !== undefined ? html`, signal ${cur.signal}%` : ''}.` : 'Wi-Fi is not connected.'}</p></section>
<section><h2>${t('joinNetwork')}</h2>
<form method="post" action="/admin/wifi/scan" class="inline">${csrfField(o.csrf)}<button class="quiet">Scan for networks</button></form>
${o.networks ? html`<table><tr><th>Network</th><th class="num">Signal</th><th>Security</th></tr>
${o.networks.map(n => html`<tr><td>${n.ssid}</td><td class="num">${n.signal}%</td><td>${n.security}</td></tr>`)}</table>` : ''}
<form method="post" action="/admin/wifi/join">${csrfField(o.csrf)}
<label>Network name<br><input type="text" name="ssid" required maxlength="32" list="ssids"></label>
${o.networks ? html`<datalist id="ssids">${o.networks.map(n => html`<option value="${n.ssid}">`)}</datalist>` : ''}
<label>Password (empty for an open network)<br><input type="password" name="password" maxlength="63" autocomplete="off"></label>
<p><button>Join</button></p>
<p class="note">With one radio, joining a network stops the hotspot: devices on the hotspot (maybe this one) lose the connection. If the network does not accept the node, the hotspot comes back within a minute.</p></form></section>
<section><h2>${t('hotspot')}</h2>
<form method="post" action="/admin/wifi/hotspot">${csrfField(o.csrf)}
<label>Hotspot name<br><input type="text" name="ssid" required maxlength="32"></label>
<label>Password (8 to 63 characters; empty for an open hotspot, which suits a public portal)<br><input type="password" name="password" maxlength="63" autocomplete="new-password"></label>
<p><button>Set hotspot</button></p>
<p class="note">Phones on the hotspot lose the connection while it restarts and must join the new name.</p></form></section>`
}
