import { describe, it, expect } from 'vitest'
import type { Socket } from 'node:net'
import { AcceptBurst } from '../../web/server/accept-burst.js'

/** One turn of the event loop: the gate looks at each turn from setImmediate. */
const turn = () => new Promise<void>(resolve => setImmediate(resolve))

function fakeSocket () {
  return { destroyed: false, paused: false, pause () { this.paused = true }, resume () { this.paused = false } }
}
const asSocket = (s: ReturnType<typeof fakeSocket>) => s as unknown as Socket
const chunk = (text: string) => Buffer.from(text)
const ignore = () => { /* what a held chunk's handler does is not what these tests look at */ }

describe('AcceptBurst: newcomers first while connections keep arriving', () => {
  it('lets requests through when no connections are arriving, and in the turn the first one arrives', async () => {
    const gate = new AcceptBurst()
    expect(gate.hold(asSocket(fakeSocket()), chunk('GET /'), ignore)).toBe(false)
    gate.accepted()
    expect(gate.hold(asSocket(fakeSocket()), chunk('GET /'), ignore)).toBe(false)
    gate.close()
  })

  it('holds requests read while turns keep accepting, and hands them over in order once a turn accepts none', async () => {
    const gate = new AcceptBurst()
    const handled: string[] = []
    const a = fakeSocket()
    const b = fakeSocket()
    gate.accepted()
    await turn()
    expect(gate.hold(asSocket(a), chunk('a1'), (c) => handled.push(c.toString()))).toBe(true)
    expect(gate.hold(asSocket(b), chunk('b1'), (c) => handled.push(c.toString()))).toBe(true)
    expect([a.paused, b.paused]).toEqual([true, true]) // nothing more is read from them meanwhile
    gate.accepted()
    await turn()
    expect(handled).toEqual([])
    await turn() // accepted nothing
    expect(handled).toEqual(['a1', 'b1'])
    expect([a.paused, b.paused]).toEqual([false, false])
    expect(gate.hold(asSocket(a), chunk('a2'), ignore)).toBe(false)
  })

  it('drops what a connection asked if it closed while held', async () => {
    const gate = new AcceptBurst()
    const handled: string[] = []
    const gone = fakeSocket()
    gate.accepted()
    await turn()
    gate.hold(asSocket(gone), chunk('x'), (c) => handled.push(c.toString()))
    gone.destroyed = true
    await turn()
    expect(handled).toEqual([])
  })

  it('holds for at most maxHoldMs while connections keep arriving, then gives the open connections as long', async () => {
    let now = 0
    const gate = new AcceptBurst({ maxHoldMs: 20, now: () => now })
    const handled: string[] = []
    gate.accepted()
    await turn() // holding since 0 ms
    gate.hold(asSocket(fakeSocket()), chunk('old'), (c) => handled.push(c.toString()))
    now = 25
    gate.accepted()
    await turn() // still accepting, but the hold is over
    expect(handled).toEqual(['old'])
    gate.accepted()
    await turn()
    expect(gate.hold(asSocket(fakeSocket()), chunk('next'), ignore)).toBe(false) // no new hold before 45 ms
    now = 46
    gate.accepted()
    await turn()
    expect(gate.hold(asSocket(fakeSocket()), chunk('later'), ignore)).toBe(true)
    gate.close()
  })

  it('holds no more than maxHeldBytes: what is read after that is handled at once', async () => {
    const gate = new AcceptBurst({ maxHeldBytes: 10 })
    const handled: string[] = []
    gate.accepted()
    await turn()
    expect(gate.hold(asSocket(fakeSocket()), chunk('0123456789'), (c) => handled.push(c.toString()))).toBe(true)
    expect(gate.hold(asSocket(fakeSocket()), chunk('more'), ignore)).toBe(false)
    gate.accepted()
    await turn() // the hold ends at the limit even though this turn accepted a connection
    expect(handled).toEqual(['0123456789'])
  })

  it('close() drops what is held and stops watching turns', async () => {
    const gate = new AcceptBurst()
    const handled: string[] = []
    gate.accepted()
    await turn()
    gate.hold(asSocket(fakeSocket()), chunk('x'), (c) => handled.push(c.toString()))
    gate.close()
    await turn()
    await turn()
    expect(handled).toEqual([])
    expect(gate.hold(asSocket(fakeSocket()), chunk('y'), ignore)).toBe(false)
  })
})
