import Corestore from 'corestore'
import Hypercore from 'hypercore'
import fs from 'node:fs'
const dir = '/tmp/reclaim-exp/store4'
fs.rmSync(dir, { recursive: true, force: true })
const store = new Corestore(dir)
const core = store.get({ name: 'x' }); await core.ready()
for (let i = 0; i < 16; i++) await core.append(Buffer.alloc(6000, i))
async function nodes () {
  const rx = core.state.storage.read()
  const ps = []; for (let i = 0; i < 32; i++) ps.push(rx.getTreeNode(i)); rx.tryFlush()
  return (await Promise.all(ps)).map(n => n ? 1 : 0).join('')
}
console.log('before      ', await nodes())
const [a, b] = process.argv.slice(2).map(Number)
await core.clear(a, b)
console.log(`clear(${a},${b})`, await nodes())
process.exit(0)
