// The connectivity checks phones and laptops make when they join a network, and the exact "you are online"
// answer each one expects (anything else means "captive portal": the OS then shows its sign-in sheet).
export interface ProbeAnswer { status: number, type?: string, body?: string, headers?: Record<string, string> }

export interface Probe { os: string, path: RegExp, answer: ProbeAnswer }

const APPLE_SUCCESS = '<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>\n'

export const PROBES: Probe[] = [
  // Android, ChromeOS, Chrome: connectivitycheck.gstatic.com, clients3.google.com, www.google.com, …
  { os: 'android', path: /^\/generate_?204$/i, answer: { status: 204 } },
  { os: 'android', path: /^\/gen_204$/i, answer: { status: 204 } },
  // iOS and macOS: captive.apple.com/hotspot-detect.html, www.apple.com/library/test/success.html
  { os: 'apple', path: /^\/(hotspot-detect\.html|library\/test\/success\.html)$/i, answer: { status: 200, type: 'text/html', body: APPLE_SUCCESS } },
  // Windows: www.msftconnecttest.com/connecttest.txt, www.msftncsi.com/ncsi.txt (no trailing newline)
  { os: 'windows', path: /^\/connecttest\.txt$/i, answer: { status: 200, type: 'text/plain', body: 'Microsoft Connect Test' } },
  { os: 'windows', path: /^\/ncsi\.txt$/i, answer: { status: 200, type: 'text/plain', body: 'Microsoft NCSI' } },
  // Firefox: detectportal.firefox.com/canonical.html and /success.txt
  { os: 'firefox', path: /^\/canonical\.html$/i, answer: { status: 200, type: 'text/html', body: '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>\n' } },
  { os: 'firefox', path: /^\/success\.txt$/i, answer: { status: 200, type: 'text/plain', body: 'success\n' } },
  // NetworkManager (GNOME nmcheck.gnome.org/check_network_status.txt, Debian network-test.debian.org/nm, …)
  { os: 'networkmanager', path: /^\/(check_network_status\.txt|nm)$/i, answer: { status: 200, type: 'text/plain', body: 'NetworkManager is online\n', headers: { 'X-NetworkManager-Status': 'online' } } }
]

export function findProbe (pathname: string): Probe | undefined {
  return PROBES.find(p => p.path.test(pathname))
}
