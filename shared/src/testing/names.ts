/** A name no other test run uses: lower-case letters, digits and underscores, safe for databases and topics. */
export const uniqueName = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
