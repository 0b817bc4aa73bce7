// Waiting in tests: for a condition to become true (bounded, generously: a loaded CI host is slow), or for a
// condition to stay true through a window when the behaviour is "nothing happens for that long".

export async function until<T> (fn: () => T | Promise<T>, { timeout = 10_000, every = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v as NonNullable<T>
    } catch (err) { last = err }
    await new Promise(r => setTimeout(r, every))
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
}

/**
 * Checks `fn` every `every` ms for `ms` and throws the first time it is false. Only for claims about a span of
 * time (a timer that must not fire, a connection that must not churn) where no event marks the end: the window
 * is the behaviour's own period plus a margin, never a guess at how long something else takes.
 */
export async function holdsFor (fn: () => boolean | Promise<boolean>, ms: number, { every = 50, what = 'condition' } = {}): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (!await fn()) throw new Error(`${what} stopped holding ${ms - (deadline - Date.now())} ms into a ${ms} ms window`)
    if (Date.now() >= deadline) return
    await new Promise(r => setTimeout(r, Math.min(every, Math.max(0, deadline - Date.now()))))
  }
}
