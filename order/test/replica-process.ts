// A replica of the order service in a process of its own, as main.ts runs it, on a test's topics and group.
// Spawned by replicas.ts; env: the service's own plus TEST_TOPIC_PREFIX, TEST_GROUP_ID, TEST_RELAY_LEASE_MS.
import { runService } from '@shop/shared/runtime/run-service'
import { readEnv } from '../src/env.ts'
import { startOrderService } from '../src/service.ts'

await runService({
  service: 'order',
  readEnv,
  start: (context) =>
    startOrderService(context, {
      topicPrefix: process.env.TEST_TOPIC_PREFIX,
      groupId: process.env.TEST_GROUP_ID,
      relayLeaseMs: process.env.TEST_RELAY_LEASE_MS ? Number(process.env.TEST_RELAY_LEASE_MS) : undefined,
    }),
})
