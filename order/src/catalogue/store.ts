/**
 * What this service knows of a product, in memory, fed by product.* and stock.updated: placing an order
 * reads no store and calls no service. Each process rebuilds it at start by reading those (compacted) topics
 * from the beginning. Product fields and stock are two aggregates with versions of their own (product
 * service and inventory count them apart), so each has its own guard; an event applies only when its version
 * is above the one applied, whatever its time or the order it arrives in.
 */
export interface CatalogueEntry {
  _id: string
  /** Absent until a product.created/updated arrives (a stock.updated may come first). */
  name?: string
  category?: string
  price_cents?: number
  /** Orderable stock as last known; absent while unknown. */
  stock?: number
  deleted: boolean
  product_version: number
  stock_version: number
}

export interface ProductFields {
  productId: string
  version: number
  name: string
  category: string
  priceCents: number
  /** product.created's quantity: the initial stock, used only while inventory has said nothing. */
  initialStock?: number
}

export function createCatalogueStore() {
  const entries = new Map<string, CatalogueEntry>()
  let loaded = false

  const entry = (productId: string) => {
    let found = entries.get(productId)
    if (!found) {
      found = { _id: productId, deleted: false, product_version: 0, stock_version: 0 }
      entries.set(productId, found)
    }
    return found
  }

  return {
    async findMany(productIds: string[]) {
      const found = new Map<string, CatalogueEntry>()
      for (const id of productIds) {
        const known = entries.get(id)
        if (known) found.set(id, { ...known })
      }
      return found
    },

    get: (productId: string) => entries.get(productId),

    /** Applies a product's fields when newer; true when applied. */
    applyProduct({ productId, version, name, category, priceCents, initialStock }: ProductFields) {
      const current = entry(productId)
      if (initialStock !== undefined && current.stock === undefined) current.stock = initialStock
      if (current.deleted || version <= current.product_version) return false
      Object.assign(current, { name, category, price_cents: priceCents, product_version: version })
      return true
    },

    /** Deletion is final (product ids are never reused), so no event can undo it. */
    markDeleted(productId: string, version: number) {
      const current = entry(productId)
      if (current.deleted) return false
      current.deleted = true
      current.product_version = Math.max(current.product_version, version)
      return true
    },

    applyStock(productId: string, stock: number, version: number) {
      const current = entry(productId)
      if (version <= current.stock_version) return false
      current.stock = stock
      current.stock_version = version
      return true
    },

    /** True once the catalogue topics were read up to where they ended at start (set by the worker). */
    isLoaded: () => loaded,
    markLoaded() {
      loaded = true
    },

    get size() {
      return entries.size
    },
  }
}

export type CatalogueStore = ReturnType<typeof createCatalogueStore>
