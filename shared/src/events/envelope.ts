/** CloudEvents 1.0, Kafka protocol binding, binary mode: attributes travel as `ce_` headers. */
export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  correlationId: 'ce_correlationid',
  contentType: 'content-type',
} as const

export const CE_SPEC_VERSION = '1.0'
export const JSON_CONTENT_TYPE = 'application/json'

/** Headers added when a message is parked on `<topic>.dlq`. */
export const DLQ_HEADERS = {
  reason: 'dlq_reason',
  topic: 'dlq_original_topic',
  partition: 'dlq_original_partition',
  offset: 'dlq_original_offset',
  groupId: 'dlq_group_id',
  /** Set when the message was too large to park whole: the value is then its first bytes only. */
  truncated: 'dlq_truncated',
} as const

export const serviceSource = (service: string) => `/${service}-service`
