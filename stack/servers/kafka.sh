# Apache Kafka (KRaft, one node acting as broker and controller) from its
# Maven Central jars, on the machine's Java.

KAFKA_SRC="$STACK_SRC/kafka"
KAFKA_LIBS="$TOOLS/kafka/libs"
KAFKA_DIR="$STACK_DATA/kafka"
# Any fixed 22-character id: the single node formats its storage with it once.
KAFKA_CLUSTER_ID=kafkaShopNativeStack01
# A class-data archive of the broker's classes halves its start on a busy
# machine (18-24 s down to 8-10 s at load 8 on 2 cores). Java 17 writes one
# only as the JVM exits, so the first run records it and later runs use it.
KAFKA_CDS="$TOOLS/kafka/kafka.jsa"
# Every partition costs the broker about 32 KB of heap and an open file: at
# 512 MB, 15,000 partitions left by test runs ran it out of memory.
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"
KAFKA_JAVA_OPTS=(-Djava.awt.headless=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
  -Dorg.slf4j.simpleLogger.showDateTime=true "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS")

kafka_port() { echo "$KAFKA_PORT"; }

# A controlled shutdown is slow on a busy machine; a KILL midway means log
# recovery at the next start.
kafka_stop_timeout() { echo 60; }

kafka_install() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  local stamp
  stamp="$(sha_of "$KAFKA_SRC/pom.xml")"
  [[ -f "$KAFKA_LIBS/.pom.sha256" && "$(cat "$KAFKA_LIBS/.pom.sha256")" == "$stamp" ]] && return
  log "kafka: copying the broker's jars with Maven into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.tmp"
  mvn -B -q -f "$KAFKA_SRC/pom.xml" -Dmaven.repo.local="$TOOLS/m2" \
    org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" >>"$(server_log kafka)" 2>&1 || return 1
  rm -rf "$KAFKA_LIBS" "$KAFKA_CDS"
  mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
  echo "$stamp" >"$KAFKA_LIBS/.pom.sha256"
}

# Partitions on disk: what test runs that create unique topics leave behind.
kafka_partition_count() {
  { find "$KAFKA_DIR/data" -mindepth 1 -maxdepth 1 -type d -name '*-[0-9]*' 2>/dev/null || true; } | wc -l
}

kafka_render_properties() {
  sed -e "s|@LOG_DIRS@|$KAFKA_DIR/data|" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$KAFKA_SRC/server.properties.template" >"$KAFKA_DIR/server.properties"
}

kafka_start() {
  kafka_render_properties
  # Formatting costs a JVM start (~1.5 s), so only on first use.
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    java "${KAFKA_JAVA_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$KAFKA_DIR/server.properties" --ignore-formatted \
      >>"$(server_log kafka)" 2>&1 || return 1
  fi
  local cds="-XX:ArchiveClassesAtExit=$KAFKA_CDS" heap
  read -ra heap <<<"$KAFKA_HEAP"
  [[ ! -s "$KAFKA_CDS" ]] || cds="-XX:SharedArchiveFile=$KAFKA_CDS"
  spawn "$(server_pidfile kafka)" "$(server_log kafka)" \
    java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "$cds" "${KAFKA_JAVA_OPTS[@]}" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
}
