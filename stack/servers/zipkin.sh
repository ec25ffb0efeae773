# shellcheck shell=bash
# Zipkin (OBSERVABILITY=1): the zipkin-server exec jar from Maven Central on
# the machine's Java, spans kept in memory, UI and API on loopback only.

ZIPKIN_VERSION=3.6.1
ZIPKIN_JAR="$TOOLS/zipkin/zipkin-server-$ZIPKIN_VERSION-exec.jar"

zipkin_port() { echo "$ZIPKIN_PORT"; }

zipkin_install() {
  [[ -s "$ZIPKIN_JAR" ]] && return
  log "zipkin: copying zipkin-server $ZIPKIN_VERSION (135 MB) with Maven into $TOOLS/zipkin"
  mvn_cached "$MAVEN_DEPENDENCY_PLUGIN:copy" -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
    -DoutputDirectory="$TOOLS/zipkin" >>"$(server_log zipkin)" 2>&1
}

# Its one HTTP port is Armeria's ports[0]: Spring replaces a list as a whole,
# so the bind address comes with the port and protocol.
zipkin_start() {
  spawn "$(server_pidfile zipkin)" "$(server_log zipkin)" \
    java -Xms64m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true -jar "$ZIPKIN_JAR" \
    --armeria.ports[0].ip=127.0.0.1 "--armeria.ports[0].port=$ZIPKIN_PORT" --armeria.ports[0].protocols[0]=http \
    --logging.level.root=WARN
}
