// A LAN made of network namespaces for integration tests: one "switch" namespace holding a bridge, and one
// namespace per node with a veth plugged into it. Nothing touches the host's own network: the bridge and every
// veth end live in namespaces we create, and there is no default route, like a Pi on an offline LAN.
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for the mounts in startAvahi).
import { execFile, spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

// Concurrent test runs share this machine, so a sweep may only remove the leftovers of runs whose process is gone.
// Each LAN writes its owner pid here before creating anything; no marker, no sweep.
const MARKERS = '/run/p2p-portal-netns'
const PREFIX_RE = /^pp[a-z0-9]{6}$/
// `ip netns exec NS` bind-mounts every file of /etc/netns/NS/ over its /etc/ namesake (resolv.conf, hosts).
const NETNS_ETC = '/etc/netns'

export interface ExecResult { stdout: string, stderr: string, code: number }

export interface LanNode {
  index: number
  ns: string
  ip: string
  /** the node's interface inside its namespace */
  dev: string
  exec (cmd: string, args?: string[], opts?: { timeout?: number, env?: NodeJS.ProcessEnv }): Promise<ExecResult>
  spawn (cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess
}

export interface Lan {
  name: string
  subnet: string
  nodes: LanNode[]
  addNode (): Promise<LanNode>
  /** tc tbf on both ends of the node's link, so traffic in both directions is limited */
  shape (index: number, rateMbit: number): Promise<void>
  destroy (): Promise<void>
}

export interface Avahi {
  /** DBUS_SYSTEM_BUS_ADDRESS for avahi-browse/avahi-publish run in the same namespace */
  busAddress: string
  env: NodeJS.ProcessEnv
  /** what dbus-daemon and avahi-daemon printed so far */
  output (): string
  stop (): Promise<void>
}

async function ip (args: string[]): Promise<void> {
  await run('ip', args, { timeout: 10_000 })
}

async function tryRun (cmd: string, args: string[]): Promise<void> {
  try { await run(cmd, args, { timeout: 10_000 }) } catch { /* clean-up of what may not exist */ }
}

async function listNamespaces (): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'])
  return stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean)
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

async function killNamespacePids (ns: string): Promise<void> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', ns])
    for (const pid of stdout.split('\n').map(Number).filter((n) => n > 0)) {
      try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
    }
  } catch { /* the namespace is already gone */ }
}

async function removeLan (prefix: string): Promise<void> {
  const mine = (await listNamespaces()).filter((n) => n.startsWith(prefix + '-'))
  await Promise.all(mine.map(killNamespacePids))
  // Deleting the switch namespace takes the bridge and every veth with it.
  for (const ns of mine) await tryRun('ip', ['netns', 'del', ns])
  for (const ns of mine) rmSync(join(NETNS_ETC, ns), { recursive: true, force: true })
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(prefix + '-')) rmSync(join(tmpdir(), entry), { recursive: true, force: true })
  }
  rmSync(join(MARKERS, prefix), { force: true })
}

/** Removes LANs left behind by runs that crashed (their owner process is gone). */
export async function sweepLans (): Promise<string[]> {
  if (!existsSync(MARKERS)) return []
  const swept: string[] = []
  for (const prefix of readdirSync(MARKERS)) {
    if (!PREFIX_RE.test(prefix)) continue
    const pid = Number(readFileSync(join(MARKERS, prefix), 'utf8'))
    if (pid > 0 && alive(pid)) continue
    await removeLan(prefix)
    swept.push(prefix)
  }
  return swept
}

function makeNode (index: number, ns: string, addr: string, children: Set<ChildProcess>): LanNode {
  return {
    index,
    ns,
    ip: addr,
    dev: 'eth0',
    async exec (cmd, args = [], opts = {}) {
      try {
        const { stdout, stderr } = await run('ip', ['netns', 'exec', ns, cmd, ...args], {
          timeout: opts.timeout ?? 30_000, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024
        })
        return { stdout, stderr, code: 0 }
      } catch (err) {
        const e = err as { stdout?: string, stderr?: string, code?: number | string }
        return { stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), code: typeof e.code === 'number' ? e.code : 1 }
      }
    },
    spawn (cmd, args = [], opts = {}) {
      // detached: its own process group, so destroy() can kill what it forks too.
      const child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'pipe', ...opts, detached: true })
      children.add(child)
      child.once('exit', () => children.delete(child))
      return child
    }
  }
}

export async function createLan (opts: { name?: string, nodes?: number } = {}): Promise<Lan> {
  await sweepLans()
  const name = opts.name ?? 'pp' + randomBytes(4).toString('hex').slice(0, 6)
  if (!PREFIX_RE.test(name)) throw new Error(`LAN name must match ${PREFIX_RE}: ${name}`)
  const subnet = `10.77.${1 + Math.floor(Math.random() * 254)}`
  const sw = `${name}-sw`
  const children = new Set<ChildProcess>()
  const nodes: LanNode[] = []
  let destroyed = false

  mkdirSync(MARKERS, { recursive: true })
  writeFileSync(join(MARKERS, name), String(process.pid))

  const addNode = async (): Promise<LanNode> => {
    const index = nodes.length
    const ns = `${name}-${index}`
    const addr = `${subnet}.${index + 1}`
    const port = `p${index}`
    await ip(['netns', 'add', ns])
    await ip(['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
    await ip(['-n', sw, 'link', 'set', port, 'master', 'br0', 'up'])
    await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
    await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0'])
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
    // No default route and no multicast route on purpose: mDNS must work by choosing the interface itself.
    const node = makeNode(index, ns, addr, children)
    nodes.push(node)
    return node
  }

  const destroy = async (): Promise<void> => {
    if (destroyed) return
    destroyed = true
    for (const child of children) {
      try { process.kill(-child.pid!, 'SIGKILL') } catch { /* already gone */ }
    }
    await removeLan(name)
  }

  try {
    await ip(['netns', 'add', sw])
    await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge'])
    // Forward at once: a 15 s STP listening delay would look like slow discovery.
    await ip(['-n', sw, 'link', 'set', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0', 'mcast_snooping', '0'])
    await ip(['-n', sw, 'link', 'set', 'br0', 'up'])
    for (let i = 0; i < (opts.nodes ?? 2); i++) await addNode()
  } catch (err) {
    await destroy()
    throw err
  }

  return {
    name,
    subnet: `${subnet}.0/24`,
    nodes,
    addNode,
    async shape (index, rateMbit) {
      const rate = `${rateMbit}mbit`
      const tbf = ['root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '50ms']
      await ip(['-n', nodes[index].ns, 'link', 'set', 'eth0', 'txqueuelen', '1000'])
      await run('ip', ['netns', 'exec', nodes[index].ns, 'tc', 'qdisc', 'replace', 'dev', 'eth0', ...tbf])
      await run('ip', ['netns', 'exec', sw, 'tc', 'qdisc', 'replace', 'dev', `p${index}`, ...tbf])
    },
    destroy
  }
}

const DBUS_CONF = (dir: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${dir}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
`

const AVAHI_CONF = (hostName: string, dev: string) => `[server]
host-name=${hostName}
use-ipv4=yes
use-ipv6=no
allow-interfaces=${dev}
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
[reflector]
[rlimits]
`

async function waitFor (check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

/**
 * Runs Debian's avahi-daemon inside a node's namespace, as an independent mDNS stack on the same "host".
 * avahi-browse talks to the daemon only over the D-Bus system bus, and this machine has none, so each
 * namespace gets a private dbus-daemon and both sides find it through DBUS_SYSTEM_BUS_ADDRESS.
 * avahi-daemon's pid file and socket live at a fixed /run/avahi-daemon, so it runs under a private tmpfs there
 * (`ip netns exec` already gives each command its own mount namespace).
 */
export async function startAvahi (node: LanNode, hostName = `avahi-${node.index}`): Promise<Avahi> {
  const dir = await mkdtemp(join(tmpdir(), `${node.ns}-avahi-`))
  writeFileSync(join(dir, 'dbus.conf'), DBUS_CONF(dir))
  writeFileSync(join(dir, 'avahi-daemon.conf'), AVAHI_CONF(hostName, node.dev))
  const busAddress = `unix:path=${dir}/bus`
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: busAddress }
  const log: string[] = []
  const collect = (c: ChildProcess) => {
    c.stdout?.on('data', (d) => log.push(String(d)))
    c.stderr?.on('data', (d) => log.push(String(d)))
  }

  const dbus = node.spawn('dbus-daemon', ['--config-file', join(dir, 'dbus.conf'), '--nofork', '--nopidfile'], { env })
  collect(dbus)
  await waitFor(() => existsSync(join(dir, 'bus')), 5000, 'the private dbus-daemon')

  const avahi = node.spawn('sh', ['-c',
    'mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && ' +
    `exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f ${dir}/avahi-daemon.conf`], { env })
  collect(avahi)
  try {
    await waitFor(() => log.join('').includes('Server startup complete'), 10_000, 'avahi-daemon to start')
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${log.join('')}`)
  }

  let stopped = false
  return {
    busAddress,
    env,
    output: () => log.join(''),
    async stop () {
      if (stopped) return
      stopped = true
      for (const c of [avahi, dbus]) {
        if (c.exitCode !== null || c.signalCode !== null) continue
        const exited = new Promise((r) => c.once('exit', r))
        try { process.kill(-c.pid!, 'SIGTERM') } catch { /* already gone */ }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))])
        try { process.kill(-c.pid!, 'SIGKILL') } catch { /* already gone */ }
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * Points a node's resolver at `server` (e.g. the "pi" running dnsmasq): every program started with
 * `node.exec`/`node.spawn` then reads that resolv.conf, as a phone uses the DNS server DHCP gave it.
 */
export function setNameserver (node: LanNode, server: string): void {
  const dir = join(NETNS_ETC, node.ns)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'resolv.conf'), `nameserver ${server}\noptions timeout:2 attempts:2\n`)
}
