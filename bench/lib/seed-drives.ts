// Fills a data folder with N drives of this node's own, through the Library class, quickly and without any
// network: `seed-drives.ts DATA N [FILES] [BYTES]`. A second node then mirrors them for bench/memory.
import crypto from 'node:crypto'
import { Library } from '../../services/storage/library.js'

const [data, countArg, filesArg, bytesArg] = process.argv.slice(2)
const count = Number(countArg)
const files = Number(filesArg ?? 5)
const bytes = Number(bytesArg ?? 10 * 1024)

const library = new Library({ dataDir: data })
await library.open()
for (let i = 0; i < count; i++) {
  const title = `drive-${String(i).padStart(3, '0')}`
  const drive = await library.createOwnDrive({ title, description: `bench drive ${i}` }, { namespace: `bench/${title}` })
  for (let f = 0; f < files; f++) await drive.drive.put(`/file-${f}.bin`, crypto.randomBytes(bytes))
}
await library.close()
