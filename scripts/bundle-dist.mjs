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
import { createRequire } from 'node:module'

export const PROGRAMS = ['cli', 'netd-main', 'updater-main']

/** Packages a start loads, pure JavaScript down to the last dependency. */
const BUNDLED = new Set(['express', 'mime-types', 'range-parser', 'bonjour-service', 'systemd-notify'])

/**
 * Packages of data that Node loads better than a bundle holds them, even when a bundled package requires them:
 * V8 keeps a script's whole source for as long as the program runs, where Node parses a required .json and drops
 * its text. mime-db is a 233 KB JSON table; iconv-lite requires its code pages (500 KB) only for a charset in use.
 */
const LEFT_TO_NODE = new Set(['mime-db', 'iconv-lite'])

/**
 * Packages that do real work when loaded, which a start does not need: each is bundled behind a module that loads
 * it on first use of any of its exports. mime-types reads mime-db (233 KB of JSON) and scores its ~2,500 types to
 * build its maps, ~20 ms of a start here (bench/README.md, "Start, sixth pass"); express, type-is, accepts and send
 * require it when they load, and only call it while answering a request.
 */
const LOADED_ON_FIRST_USE = new Set(['mime-types'])
const LAZY = 'p2p-portal-loaded-on-first-use'

/** A CommonJS module with every export of the module at `file` as a getter that loads it the first time. */
function onFirstUse (file) {
  const keys = Object.keys(createRequire(import.meta.url)(file))
  return [
    `let real = null`,
    `const load = () => real ?? (real = require(${JSON.stringify(file)}))`,
    `module.exports = {`,
    ...keys.map((k) => `  get ${JSON.stringify(k)} () { return load()[${JSON.stringify(k)}] },`),
    `}`
  ].join('\n')
}

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
      const nm = `${path.sep}node_modules${path.sep}`
      const name = packageName(args.path)
      const fromPackage = args.importer.includes(nm)
      if (!fromPackage && !BUNDLED.has(name)) return { path: args.path, external: true }
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { resolving: true } })
      if (resolved.errors.length > 0 || resolved.external) return resolved
      if (LEFT_TO_NODE.has(name)) {
        // Required from dist/bundle/, Node finds the top-level copy: it must be the one the importer has.
        if (resolved.path.indexOf(nm) !== resolved.path.lastIndexOf(nm)) {
          return { errors: [{ text: `${args.importer} requires its own copy of ${name} (${resolved.path}), which the bundle would not find: bundle it, or take it out of LEFT_TO_NODE in scripts/bundle-dist.mjs` }] }
        }
        return { path: args.path, external: true }
      }
      if (LOADED_ON_FIRST_USE.has(name) && args.path === name) return { path: name, namespace: LAZY, pluginData: { file: resolved.path } }
      const i = resolved.path.lastIndexOf(nm)
      const dir = path.join(resolved.path.slice(0, i), 'node_modules', packageName(resolved.path.slice(i + nm.length)))
      if (isNative(dir)) {
        return { errors: [{ text: `${packageName(args.path)} holds native code, so it cannot be bundled: take the package that requires it (imported from ${args.importer}) out of BUNDLED in scripts/bundle-dist.mjs` }] }
      }
      return resolved
    })
    b.onLoad({ filter: /.*/, namespace: LAZY }, (args) => ({ contents: onFirstUse(args.pluginData.file), loader: 'js', resolveDir: path.dirname(args.pluginData.file) }))
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
    const { outputFiles } = await build({
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
      // ASCII only: V8 holds a file's source as it holds a string, and one character past Latin-1 anywhere in it
      // (a "−" or "…" in a comment) makes the whole file two bytes per character. Split in ~100 files, that cost
      // little; in a 1.6 MB bundle it was 3.3 MiB of idle heap. esbuild escapes strings, templates and regular
      // expressions; the comments it keeps are escaped below, where an escape is only text.
      charset: 'ascii',
      write: false,
      logLevel: 'warning'
    })
    for (const file of outputFiles) {
      fs.mkdirSync(path.dirname(file.path), { recursive: true })
      fs.writeFileSync(file.path, file.text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`))
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? 'dist')
  await bundlePrograms(path.join(dist, 'app'), path.join(dist, 'bundle'))
}
