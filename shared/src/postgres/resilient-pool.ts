import postgres from 'postgres'
import { observeQuery, observeTransaction } from '../observability/postgres-queries.ts'
import { resolveTelemetry, type Telemetry } from '../observability/telemetry.ts'
import type { Sql, TransactionSql } from './connect.ts'

// Errors after which the connection is gone: postgres.js's own, the socket's, and the server's "terminating
// connection" (SQLSTATE class 57) and connection exceptions (class 08).
const LOST_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
])

export function isLostConnection(error: unknown) {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  if (error instanceof postgres.PostgresError) return code.startsWith('57') || code.startsWith('08')
  return LOST_CODES.has(code)
}

const lostDuringTransaction = () =>
  Object.assign(new Error('the PostgreSQL connection closed during the transaction'), {
    code: 'CONNECTION_CLOSED',
  })

/** The options of shared `connectPostgres`, without the array-type lookup on each new connection (see below). */
const connect = (url: string, max: number, onclose?: () => void) =>
  postgres(url, {
    max,
    onnotice: () => undefined,
    connect_timeout: 5,
    types: { bigint: postgres.BigInt },
    fetch_types: false,
    ...(onclose ? { onclose } : {}),
  }) as unknown as Sql

/** A single-connection client that runs one transaction at a time; once its connection closed it is not reused. */
interface Session {
  sql: Sql
  closed: boolean
}

function openSession(url: string): Session {
  const session: Session = { sql: connect(url, 1, () => (session.closed = true)), closed: false }
  return session
}

/** The transaction's view of its session: a statement after the connection closed is refused, never sent. */
function guarded(session: Session, telemetry: Telemetry | undefined) {
  const check = () => {
    if (session.closed) throw lostDuringTransaction()
  }
  return new Proxy(session.sql, {
    apply: (target, _this, args) => {
      check()
      return observeQuery(Reflect.apply(target, undefined, args), telemetry, args[0])
    },
    get: (target, key) => {
      const value = Reflect.get(target, key)
      if (key !== 'unsafe' || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        check()
        return observeQuery(Reflect.apply(value, target, args), telemetry, args[0])
      }
    },
  }) as unknown as TransactionSql
}

/**
 * PostgreSQL access that keeps working after the server went away and came back, as `sql` with its usual API.
 *
 * postgres.js 3.4.9 has open bugs on this path (upstream issues 1186 and 1208, pull requests 1209 and 1215): a
 * statement sent on a connection that has closed (`sql.begin`'s own ROLLBACK, or the next statement of a
 * transaction that was waiting on something else, as the outbox relay does while it publishes) is written to a
 * null socket, which throws an uncatchable TypeError from a timer (a crash, and a failed test under bun test) and
 * can leave that connection unable to complete a query again; a `reserve()` whose connect fails stays queued and
 * later swallows a connection; and the array-type lookup it runs on each new connection rejects unhandled when
 * that connection closes meanwhile (nothing here binds or reads arrays, so the lookup is off).
 *
 * So `begin` runs each transaction on a session of its own (a single-connection client): a statement after that
 * connection closed is refused without being sent, a lost session is neither rolled back nor reused, and a fresh
 * one takes its place. Plain queries go to an ordinary pool, which only ever sends on open connections.
 */
export function connectResilientPostgres(
  url: string,
  {
    sessions = 8,
    pool = 4,
    telemetry: given,
  }: {
    sessions?: number
    pool?: number
    /** Statement and transaction durations (and spans); by default the process's (runService). */
    telemetry?: Telemetry | null
  } = {},
): Sql {
  const telemetry = resolveTelemetry(given)
  const plain = connect(url, pool)
  const idle: Session[] = []
  const busy = new Set<Session>()
  const waiting: ((session: Session) => void)[] = []
  let ending = false

  const acquire = async (): Promise<Session> => {
    if (ending)
      throw Object.assign(new Error('the PostgreSQL client is shutting down'), { code: 'CONNECTION_ENDED' })
    let session = idle.pop()
    while (session?.closed) {
      session.sql.end({ timeout: 0 }).catch(() => undefined)
      session = idle.pop()
    }
    if (!session && busy.size < sessions) session = openSession(url)
    if (!session) return new Promise((resolve) => waiting.push(resolve))
    busy.add(session)
    return session
  }

  const release = (session: Session, reusable: boolean) => {
    const next = waiting.shift()
    if (next) {
      // The waiter takes over this slot, with this session or a fresh one.
      if (!reusable) {
        busy.delete(session)
        session.sql.end({ timeout: 0 }).catch(() => undefined)
        const fresh = openSession(url)
        busy.add(fresh)
        return next(fresh)
      }
      return next(session)
    }
    busy.delete(session)
    if (reusable && !ending) idle.push(session)
    else session.sql.end({ timeout: 0 }).catch(() => undefined)
  }

  const begin = <T>(fn: (tx: TransactionSql) => T | Promise<T>) =>
    observeTransaction(telemetry, () => beginOnSession(fn))

  async function beginOnSession<T>(fn: (tx: TransactionSql) => T | Promise<T>) {
    const session = await acquire()
    const tx = guarded(session, telemetry)
    try {
      await tx`BEGIN`
      const result = await fn(tx)
      await tx`COMMIT`
      release(session, true)
      return result
    } catch (error) {
      if (session.closed || isLostConnection(error)) {
        release(session, false)
        throw error
      }
      const rolledBack = await session.sql`ROLLBACK`.then(
        () => true,
        () => false,
      )
      release(session, rolledBack && !session.closed)
      throw error
    }
  }

  async function end(options?: { timeout?: number }) {
    ending = true
    const all = [...idle, ...busy]
    idle.length = 0
    await Promise.all([plain.end(options), ...all.map((session) => session.sql.end(options))])
  }

  return new Proxy(function sql() {}, {
    apply: (_target, _this, args) =>
      observeQuery(
        Reflect.apply(plain as unknown as (...a: unknown[]) => unknown, undefined, args),
        telemetry,
        args[0],
      ),
    get: (_target, key) => {
      if (key === 'begin') return begin
      if (key === 'end') return end
      if (key === 'unsafe' && telemetry)
        return (...args: unknown[]) =>
          observeQuery(Reflect.apply(plain.unsafe, plain, args), telemetry, args[0])
      return Reflect.get(plain, key)
    },
  }) as unknown as Sql
}
