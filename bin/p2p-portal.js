#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 node --max-semi-space-size=4 --optimize-for-size --expose-gc
// A 4 MB young generation (V8's default is 16) and V8's memory-over-speed mode: under a roomful of phones the
// heap then peaks 25-40 MB lower, which a Pi Zero 2 W's 512 MB needs more than the ~10 % of small-file
// throughput it costs (bench/README.md).
// glibc malloc: RocksDB's memtables hold each 512 KiB block until a flush, and with the default dynamic mmap
// threshold those blocks (and Node's Buffers of them) came from 16 arenas that never gave the memory back:
// a 300 MB upload left the node at 190-255 MiB. Two arenas are enough for two cores, allocations of 1 MiB and
// more are mmap'd on their own, and what is freed below that goes back to the kernel once the node is quiet
// (malloc_trim, services/storage/garbage-pacer.ts): the same upload peaks ~70 MiB lower and RSS returns to idle
// (bench/README.md, "What holds memory"). 1 MiB rather than the 64 KiB of before: blocks then reuse the arena's
// pages instead of a fresh mapping each (page faults, mmap/munmap), a mirror's CPU per MiB 0.66x
// (bench/README.md, "CPU per mirrored MiB, fifth pass"). Read by glibc at start, so set here rather than in the code.
// --expose-gc: the node asks for a full collection after every 16 MiB of file blocks it writes or sends, so dead
// Buffers of blocks do not pile up outside V8's heap (services/storage/garbage-pacer.ts).
// Runs the compiled CLI (npm install/ci builds it through the "prepare" script).
import { main } from '../dist/bundle/cli.js'
main(process.argv.slice(2))
