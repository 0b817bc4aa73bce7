// Bundles the compiled dist/ into dist/bundle/: one file per program (the node's CLI, the network helper, the
// update helper) plus the chunks they share and the chunks they load on demand (the admin page, the update parts,
// the Internet swarm, the CLI's audit and release commands).
//   node scripts/bundle-dist.mjs [DIST_DIR]      (npm run build and image/build-app.sh run it after tsc)
// Why: Node resolves, reads, compiles and links every module on its own, file by file; the node loaded ~100 ES
// modules of dist/ and ~150 CommonJS files of express and its kin before READY=1 (bench/README.md, "Start, fourth
// pass"). The bundle holds this project's code and the pure-JavaScript packages of BUNDLED with what they require.
// Every other package stays a package, loaded by Node: the Holepunch stack (services/holepunch-modules.ts
// require()s it, so it is never seen here) and whatever reaches native code, which finds its prebuild next to its
// own files. Nothing is minified or renamed, so stack traces still name the functions.
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROGRAMS = ['cli', 'netd-main', 'updater-main']

/** Packages a start loads, pure JavaScript down to the last dependency. */
const BUNDLED = new Set(['express', 'mime-types', 'range-parser', 'bonjour-service', 'systemd-notify'])

/** A package whose own folder holds native code: bundled, it would look for its prebuild in the wrong place. */
function isNative (dir) {
  return ['binding.gyp', 'prebuilds', 'binding.js'].some(f => fs.existsSync(path.join(dir, f)))
}

const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/')

/**
 * Bare imports from this project's code are bundled when their package is in BUNDLED; the imports of a bundled
 * package are bundled with it. Anything else is left to Node. A bundled package that reaches native code stops
 * the build, naming it, rather than making a bundle that fails on the Pi.
 */
const packagesPlugin = {
  name: 'p2p-portal-packages',
  setup (b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || args.pluginData?.resolving) return undefined
      const fromPackage = args.importer.includes(`${path.sep}node_modules${path.sep}`)
      if (!fromPackage && !BUNDLED.has(packageName(args.path))) return { path: args.path, external: true }
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { resolving: true } })
      if (resolved.errors.length > 0 || resolved.external) return resolved
      const i = resolved.path.lastIndexOf(`${path.sep}node_modules${path.sep}`)
      const dir = path.join(resolved.path.slice(0, i), 'node_modules', packageName(resolved.path.slice(i + 14)))
      if (isNative(dir)) {
        return { errors: [{ text: `${packageName(args.path)} holds native code, so it cannot be bundled: take the package that requires it (imported from ${args.importer}) out of BUNDLED in scripts/bundle-dist.mjs` }] }
      }
      return resolved
    })
  }
}

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
      plugins: [packagesPlugin],
      // The bundled CommonJS packages call require() for Node's own modules: give an ES module one.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'warning'
    })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? 'dist')
  await bundlePrograms(path.join(dist, 'app'), path.join(dist, 'bundle'))
}
