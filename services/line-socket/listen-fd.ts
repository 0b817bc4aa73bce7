// Socket activation for the root helpers: systemd owns the listening socket (their .socket unit), starts the
// helper on the first connection, and passes the socket as fd 3.
const SD_LISTEN_FDS_START = 3

/** sd_listen_fds(): fd 3 when systemd passed exactly one socket to this very process, else null. */
export function listenFd (socketUnit: string): number | null {
  const { LISTEN_PID, LISTEN_FDS } = process.env
  // Like sd_listen_fds(unset_environment=1): children (nmcli, systemctl) must not think the fds are theirs.
  delete process.env.LISTEN_PID
  delete process.env.LISTEN_FDS
  delete process.env.LISTEN_FDNAMES
  if (LISTEN_PID === undefined || LISTEN_PID !== String(process.pid)) return null
  if (LISTEN_FDS !== '1') throw new Error(`systemd passed LISTEN_FDS=${LISTEN_FDS}: ${socketUnit} must define exactly one socket`)
  return SD_LISTEN_FDS_START
}
