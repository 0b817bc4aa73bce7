// Bundles the compiled dist/ into dist/bundle/: one file per program (the node's CLI, the network helper, the
// update helper) plus the chunks they share and the chunks they load on demand (the admin page, the update parts,
// the Internet swarm, the CLI's audit and release commands).
//   node scripts/bundle-dist.mjs [DIST_DIR]      (npm run build and image/build-app.sh run it after tsc)
// Why: Node resolves, reads, compiles and links every ES module on its own, about 1 ms of CPU each here and
// several times that on a Pi Zero 2 W; the node imported ~100 files of dist/ before READY=1, the bundle a dozen
// (bench/README.md, "Start, fourth pass"). Packages stay outside (`packages: 'external'`): the native ones find
// their prebuilds next to their own files, and services/holepunch-modules.ts loads the Holepunch stack with
// require() on purpose. Nothing is minified or renamed, so stack traces still name this project's functions.
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROGRAMS = ['cli', 'netd-main', 'updater-main']

/**
 * Bundles each program of `appDir` (compiled `.js`, or the `.ts` sources: esbuild reads both) into `outDir`.
 * One build per program, so that a program's start loads only chunks of its own code; chunks are named by their
 * content, so two programs' builds that make the same chunk write the same file.
 */
export async function bundlePrograms (appDir, outDir, ext = '.js') {
  fs.rmSync(outDir, { recursive: true, force: true })
  for (const name of PROGRAMS) {
    await build({
      entryPoints: [path.join(appDir, name + ext)],
      outdir: outDir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning'
    })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? 'dist')
  await bundlePrograms(path.join(dist, 'app'), path.join(dist, 'bundle'))
}
