# shellcheck shell=bash
# Apache Kafka (KRaft) from its Maven Central jars, on the machine's Java:
# one node (kafka), or with KAFKA_NODES=3 three (kafka, kafka-2, kafka-3),
# each broker and controller at once, on loopback.

KAFKA_SRC="$STACK_SRC/kafka"
KAFKA_LIBS="$TOOLS/kafka/libs"
# Any fixed 22-character id: each node formats its storage with it once.
KAFKA_CLUSTER_ID=kafkaShopNativeStack01
# A class-data archive of the broker's classes halves its start on a busy
# machine (18-24 s down to 8-10 s at load 8 on 2 cores). Java 17 writes one
# only as the JVM exits, so the first run of node 1 records it and later
# runs use it.
KAFKA_CDS="$TOOLS/kafka/kafka.jsa"
KAFKA_JAVA_OPTS=(-Djava.awt.headless=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
  -Dorg.slf4j.simpleLogger.showDateTime=true "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS")

kafka_node_port() { echo $((KAFKA_PORT + 2 * ($1 - 1))); }
kafka_controller_port() { echo $((KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }
kafka_port() { kafka_node_port "$(server_index "$1")"; }

# What every client is given: all nodes of the cluster.
kafka_brokers() {
  local i list=()
  for ((i = 1; i <= KAFKA_NODES; i++)); do list+=("127.0.0.1:$(kafka_node_port "$i")"); done
  (
    IFS=,
    echo "${list[*]}"
  )
}

# A single node keeps the data it always had; a cluster's node 1 has a
# folder of its own, so switching KAFKA_NODES never mixes the two.
kafka_dir() { echo "$STACK_DATA/$1"; }
kafka_data() {
  if [[ "$1" == kafka && "$KAFKA_NODES" != 1 ]]; then echo "$STACK_DATA/kafka/data-$KAFKA_NODES-nodes"; else echo "$STACK_DATA/$1/data"; fi
}

# Every partition costs the broker about 32 KB of heap and an open file: at
# 512 MB, 15,000 partitions left by test runs ran it out of memory. The three
# nodes of a cluster get 384 MB each (about 1 GB of RAM together).
kafka_heap() {
  if [[ -n "${KAFKA_HEAP:-}" ]]; then echo "$KAFKA_HEAP"; elif ((KAFKA_NODES == 1)); then echo "-Xms256m -Xmx1g"; else echo "-Xms256m -Xmx384m"; fi
}

# A controlled shutdown is slow on a busy machine; a KILL midway means log
# recovery at the next start. The last node of a cluster going down never
# finishes one (its controller has lost the quorum), so a cluster waits less.
kafka_stop_timeout() { if ((KAFKA_NODES == 1)); then echo 60; else echo 15; fi; }

kafka_install() {
  local stamp
  stamp="$(sha_of "$KAFKA_SRC/pom.xml")"
  [[ -f "$KAFKA_LIBS/.pom.sha256" && "$(cat "$KAFKA_LIBS/.pom.sha256")" == "$stamp" ]] && return
  log "kafka: copying the broker's jars with Maven into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.tmp"
  mvn_cached -f "$KAFKA_SRC/pom.xml" "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" >>"$(server_log "$1")" 2>&1 || return 1
  rm -rf "$KAFKA_LIBS" "$KAFKA_CDS"
  mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
  echo "$stamp" >"$KAFKA_LIBS/.pom.sha256"
}

# Partitions on disk: what test runs that create unique topics leave behind.
kafka_partition_count() {
  { find "$(kafka_data kafka)" -mindepth 1 -maxdepth 1 -type d -name '*-[0-9]*' 2>/dev/null || true; } | wc -l
}

# server.properties of node NAME, from the template.
kafka_config() {
  local name="$1" n i voters="" rf=1 isr=1
  n="$(server_index "$name")"
  for ((i = 1; i <= KAFKA_NODES; i++)); do voters+="${voters:+,}$i@127.0.0.1:$(kafka_controller_port "$i")"; done
  ((KAFKA_NODES == 1)) || { rf=3 isr=2; }
  sed -e "s|@NODE_ID@|$n|" -e "s|@VOTERS@|$voters|" -e "s|@LOG_DIRS@|$(kafka_data "$name")|" \
    -e "s|@PORT@|$(kafka_node_port "$n")|g" -e "s|@CONTROLLER_PORT@|$(kafka_controller_port "$n")|g" \
    -e "s|@RF@|$rf|g" -e "s|@MIN_ISR@|$isr|g" "$KAFKA_SRC/server.properties.template"
  echo "# heap: $(kafka_heap)"
}

kafka_start() {
  local name="$1" dir cds=() heap
  dir="$(kafka_dir "$name")"
  kafka_config "$name" >"$dir/server.properties"
  # Formatting costs a JVM start (~1.5 s), so only on first use.
  if [[ ! -f "$(kafka_data "$name")/meta.properties" ]]; then
    java "${KAFKA_JAVA_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" --ignore-formatted \
      >>"$(server_log "$name")" 2>&1 || return 1
  fi
  if [[ -s "$KAFKA_CDS" ]]; then
    cds=("-XX:SharedArchiveFile=$KAFKA_CDS")
  elif [[ "$name" == kafka ]]; then
    cds=("-XX:ArchiveClassesAtExit=$KAFKA_CDS")
  fi
  read -ra heap <<<"$(kafka_heap)"
  spawn "$(server_pidfile "$name")" "$(server_log "$name")" \
    java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${cds[@]}" "${KAFKA_JAVA_OPTS[@]}" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}
