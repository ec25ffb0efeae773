// Loaded by bunfig.toml before every test file.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
