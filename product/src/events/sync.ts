/**
 * What the catalogue's event handlers may do. Events say which product changed and at which version; the
 * product's fields come from its document (the events carry neither description nor times), read only
 * when the event is newer than what memory holds.
 */
export interface CatalogueSync {
  /** Brings a product up to at least `version` from its document, unless memory already holds that. */
  refresh(productId: string, version: number): Promise<void>
  /** Marks a product deleted at `version` (a tombstone: nothing older brings it back). */
  remove(productId: string, version: number): void
}
