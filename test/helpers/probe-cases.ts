// What each OS asks for, with the Host it uses, and the answer that means "online" to it.
export const PROBE_CASES: Array<{ os: string, host: string, path: string, status: number, body: string, header?: [string, string] }> = [
  { os: 'Android', host: 'connectivitycheck.gstatic.com', path: '/generate_204', status: 204, body: '' },
  { os: 'ChromeOS', host: 'clients3.google.com', path: '/generate_204', status: 204, body: '' },
  { os: 'Android (gen_204)', host: 'www.google.com', path: '/gen_204', status: 204, body: '' },
  { os: 'Apple', host: 'captive.apple.com', path: '/hotspot-detect.html', status: 200, body: '<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>\n' },
  { os: 'Windows', host: 'www.msftconnecttest.com', path: '/connecttest.txt', status: 200, body: 'Microsoft Connect Test' },
  { os: 'Windows (NCSI)', host: 'www.msftncsi.com', path: '/ncsi.txt', status: 200, body: 'Microsoft NCSI' },
  { os: 'Firefox', host: 'detectportal.firefox.com', path: '/canonical.html', status: 200, body: '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>\n' },
  { os: 'NetworkManager', host: 'nmcheck.gnome.org', path: '/check_network_status.txt', status: 200, body: 'NetworkManager is online\n', header: ['x-networkmanager-status', 'online'] }
]
