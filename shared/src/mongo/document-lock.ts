// FerretDB 1.24 on PostgreSQL does not apply an update atomically: it reads the document, changes it and
// writes it whole, so two writers of one document at once can both pass a guard, and one can lose the
// other's change. (Real MongoDB updates one document atomically.) Every write to a document in a service
// therefore goes through this per-document queue, so that within one process writes to a document are
// serial and a guarded update is a true compare-and-set.
const tails = new Map<string, Promise<void>>()

export const documentKey = (collection: { namespace: string }, id: unknown) =>
  `${collection.namespace}/${String(id)}`

/** Runs `write` once every earlier write queued for the same key has finished. */
export async function withDocumentLock<T>(key: string, write: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve()
  let release = () => {}
  const mine = new Promise<void>((resolve) => {
    release = resolve
  })
  const tail = previous.then(() => mine)
  tails.set(key, tail)
  await previous
  try {
    return await write()
  } finally {
    release()
    if (tails.get(key) === tail) tails.delete(key)
  }
}
