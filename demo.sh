#!/usr/bin/env bash
# distcore's main job: two inventory instances sharing one database and an order service in front of
# them, all on embedded defaults; every order is a TCC transaction (the order's own branch and the
# inventory's reservation). `./demo.sh` runs the scenario and stops everything; `./demo.sh up` leaves the
# services running, `./demo.sh down` stops them.
#
# Overridable: ORDER_PORT (8080), INVENTORY_PORTS ("8081 8082"), DATA_DIR (target/demo), READY_TIMEOUT (180 s),
# SETTLE_TIMEOUT (60 s: how long the report waits for a retried confirm).
set -euo pipefail
cd "$(dirname "$0")"

ORDER_PORT=${ORDER_PORT:-8080}
INVENTORY_PORTS=${INVENTORY_PORTS:-"8081 8082"}
DATA_DIR=${DATA_DIR:-$PWD/target/demo}
READY_TIMEOUT=${READY_TIMEOUT:-180}
RUN_DIR="$DATA_DIR/run"
SETTLE_TIMEOUT=${SETTLE_TIMEOUT:-60}
# One secret per run, shared by the three services: phase-two calls between them are signed with it.
TCC_SECRET=${TCC_SECRET:-demo-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
INVENTORY_JAR=sample-inventory-service/target/sample-inventory-service-0.1.0-SNAPSHOT-exec.jar
ORDER_JAR=sample-order-service/target/sample-order-service-0.1.0-SNAPSHOT-exec.jar

log() { printf '[demo] %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

build() {
  log "building the samples (no tests)..."
  ./mvnw -B -q -DskipTests -pl sample-inventory-service,sample-order-service -am package
}

# start NAME PORT JAR [ENV=VALUE...]: runs the jar in the background, remembering its pid.
start() {
  local name=$1 port=$2 jar=$3; shift 3
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is already in use (set ORDER_PORT / INVENTORY_PORTS, or run ./demo.sh down)"
  fi
  env "$@" DATA_DIR="$DATA_DIR" TCC_SECRET="$TCC_SECRET" "$JAVA" -jar "$jar" --server.port="$port" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  log "started $name on port $port (pid $!, log $RUN_DIR/$name.log)"
}

wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + READY_TIMEOUT))
  until curl -sf "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
      tail -n 30 "$RUN_DIR/$name.log" >&2 || true
      fail "$name exited before it was ready"
    fi
    ((SECONDS < deadline)) || fail "$name was not ready on port $port after ${READY_TIMEOUT}s"
    sleep 0.5
  done
  log "$name ready on port $port"
}

up() {
  [ -f "$INVENTORY_JAR" ] && [ -f "$ORDER_JAR" ] && [ -n "${DEMO_SKIP_BUILD:-}" ] || build
  mkdir -p "$RUN_DIR"
  local instances="" first=1 port
  for port in $INVENTORY_PORTS; do
    instances="${instances:+$instances,}http://127.0.0.1:$port"
    # The demo's fault switch (POST /demo/faults/confirm-failures) exists only with this property.
    start "inventory-$port" "$port" "$INVENTORY_JAR" SAMPLE_FAULTS_ENABLED=true
    # The first instance opens the shared H2 file and serves it to the others: let it finish first.
    if ((first)); then wait_ready "inventory-$port" "$port"; first=0; fi
  done
  start order "$ORDER_PORT" "$ORDER_JAR" INVENTORY_INSTANCES="$instances"
  for port in $INVENTORY_PORTS; do wait_ready "inventory-$port" "$port"; done
  wait_ready order "$ORDER_PORT"
}

down() {
  local pidfile pid stopped=0
  for pidfile in "$RUN_DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; stopped=$((stopped + 1)); fi
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  log "stopped $stopped process(es)"
}

json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p"; }

# stock_line SKU PORT: "available=A frozen=F sold=S" as that inventory instance sees it.
stock_line() {
  local stock
  stock=$(curl -sf "http://127.0.0.1:$2/inventory/$1") || fail "inventory on $2 did not answer for $1"
  printf 'available=%s frozen=%s sold=%s' "$(json_field available <<<"$stock")" "$(json_field frozen <<<"$stock")" \
    "$(json_field sold <<<"$stock")"
}

# wait_order ID STATUS: until GET /orders/ID shows STATUS (the answer is the decision; phase two may lag).
wait_order() {
  local deadline=$((SECONDS + SETTLE_TIMEOUT))
  until [ "$(curl -sf "http://127.0.0.1:$ORDER_PORT/orders/$1" | json_field status)" = "$2" ]; do
    ((SECONDS < deadline)) || fail "GET /orders/$1 does not show $2 after ${SETTLE_TIMEOUT}s: $(curl -s "http://127.0.0.1:$ORDER_PORT/orders/$1")"
    sleep 0.5
  done
}

# wait_stock SKU PORT EXPECTED: until the stock line is EXPECTED (phase two may still be retrying).
wait_stock() {
  local deadline=$((SECONDS + SETTLE_TIMEOUT))
  until [ "$(stock_line "$1" "$2")" = "$3" ]; do
    ((SECONDS < deadline)) || fail "stock of $1 on port $2 is $(stock_line "$1" "$2") after ${SETTLE_TIMEOUT}s, expected $3"
    sleep 0.5
  done
}

scenario() {
  local order="http://127.0.0.1:$ORDER_PORT" first_inventory=${INVENTORY_PORTS%% *} sku="A1" i port
  local inventory="http://127.0.0.1:$first_inventory"
  local restockers=() ports=($INVENTORY_PORTS)
  log "restocking $sku with 10 single units at once, spread over ${#ports[@]} inventory instances"
  for i in $(seq 1 10); do
    port=${ports[$((i % ${#ports[@]}))]}
    curl -sf -o /dev/null -XPOST "http://127.0.0.1:$port/inventory/$sku/restock" -H 'Content-Type: application/json' \
      -d '{"quantity":1}' &
    restockers+=($!)
  done
  for i in "${restockers[@]}"; do wait "$i" || fail "a restock failed"; done
  local backend
  backend=$(curl -sf "$inventory/actuator/locks" | json_field defaultBackend)
  echo
  echo "Restock: 10 concurrent restocks under @DistributedLock, each checking the SKU's limit before it adds (backend: $backend)"
  echo "  stock now: $(curl -sf "$inventory/inventory/$sku")"
  [ "$(curl -sf "$inventory/inventory/$sku" | json_field available)" = 10 ] || fail "concurrent restocks lost an update"

  log "placing 6 orders of 2 units at once"
  local clients=()
  for i in 1 2 3 4 5 6; do
    curl -s -o "$RUN_DIR/order-$i.json" -w '%{http_code}' -XPOST "$order/orders" -H 'Content-Type: application/json' \
      -d "{\"userId\":\"u$i\",\"sku\":\"$sku\",\"quantity\":2}" >"$RUN_DIR/order-$i.code" &
    clients+=($!)
  done
  wait "${clients[@]}"

  local confirmed=0 cancelled=0 code status id reason
  echo
  echo "Orders"
  printf '  %-38s %-5s %-4s %-10s %s\n' "ORDER ID" "USER" "HTTP" "STATUS" "REASON"
  for i in 1 2 3 4 5 6; do
    code=$(cat "$RUN_DIR/order-$i.code")
    status=$(json_field status <"$RUN_DIR/order-$i.json")
    id=$(json_field orderId <"$RUN_DIR/order-$i.json")
    reason=$(json_field reason <"$RUN_DIR/order-$i.json")
    printf '  %-38s %-5s %-4s %-10s %s\n' "$id" "u$i" "$code" "$status" "$reason"
    case "$code/$status" in
      201/CONFIRMED) confirmed=$((confirmed + 1)) ;;
      409/CANCELLED) cancelled=$((cancelled + 1)) ;;
      *) fail "order $i answered $code: $(cat "$RUN_DIR/order-$i.json")" ;;
    esac
    wait_order "$id" "$status"
  done

  local listed
  listed=$(curl -sf "$order/orders?sku=$sku") || fail "GET /orders?sku=$sku failed"
  [ "$(grep -o '"orderId"' <<<"$listed" | wc -l)" = 6 ] || fail "GET /orders?sku=$sku does not list the 6 orders: $listed"
  echo "  GET /orders?sku=$sku lists all 6"

  echo
  echo "Stock of $sku after the 6 TCC transactions (as every inventory instance sees it)"
  wait_stock "$sku" "$first_inventory" "available=0 frozen=0 sold=10"
  for port in $INVENTORY_PORTS; do
    printf '  port %-5s %s\n' "$port" "$(stock_line "$sku" "$port")"
    [ "$(stock_line "$sku" "$port")" = "available=0 frozen=0 sold=10" ] || fail "unexpected stock on port $port"
  done

  fault_scenario

  local health
  for port in $ORDER_PORT $INVENTORY_PORTS; do
    health=$(curl -s "http://127.0.0.1:$port/actuator/health")
    # The overall status is the body's last field.
    [[ "$health" == *'"status":"UP"}' ]] || fail "/actuator/health on port $port is not UP: $health"
  done
  echo "Health: UP on ports $ORDER_PORT $INVENTORY_PORTS"
  local stuck
  stuck=$(curl -sf "$order/actuator/tcc?state=CONFIRM_FAILED,CANCEL_FAILED,TRYING,CONFIRMING,CANCELLING") \
    || fail "GET /actuator/tcc on the order service failed"
  [[ "$stuck" == *'"transactions":[]'* ]] || fail "transactions left unfinished or needing a person: $stuck"
  echo "TCC log: every transaction finished, none needs a person (/actuator/tcc)"
  echo
  echo "Where to look while the services run (./demo.sh up):"
  echo "  $order/actuator/tcc            transactions by state; /actuator/tcc/{xid} one with its branches"
  echo "  $order/actuator/ids            id layout and worker lease; /actuator/ids/{id} decodes an order id"
  echo "  http://127.0.0.1:$first_inventory/actuator/locks   locks held and waited for"
  echo "  http://127.0.0.1:$first_inventory/actuator/health  health of locks, TCC and the database"
  echo
  echo "Result: $confirmed confirmed, $cancelled cancelled (expected 5 and 1)"
  [ "$confirmed" = 5 ] && [ "$cancelled" = 1 ] || fail "unexpected outcome"
  log "demo passed"
}

# One order placed while every inventory instance is set to fail its next confirm: the order is decided
# (201 CONFIRMED) at once, its reservation stays frozen until the coordinator's retry confirms it.
fault_scenario() {
  local order="http://127.0.0.1:$ORDER_PORT" first_inventory=${INVENTORY_PORTS%% *} sku="B1" port armed=0 left=0
  curl -sf -o /dev/null -XPOST "http://127.0.0.1:$first_inventory/inventory/$sku/restock" \
    -H 'Content-Type: application/json' -d '{"quantity":3}' || fail "restocking $sku failed"
  for port in $INVENTORY_PORTS; do
    curl -sf -o /dev/null -XPOST "http://127.0.0.1:$port/demo/faults/confirm-failures?count=1" \
      || fail "arming the fault switch on port $port failed"
    armed=$((armed + 1))
  done
  echo
  echo "Fault: every inventory instance fails its next confirm; one order of 2 x $sku (stock 3)"
  local code body id status started=$SECONDS
  body=$(curl -s -w '\n%{http_code}' -XPOST "$order/orders" -H 'Content-Type: application/json' \
    -d "{\"userId\":\"u7\",\"sku\":\"$sku\",\"quantity\":2}")
  code=${body##*$'\n'}
  body=${body%$'\n'*}
  id=$(json_field orderId <<<"$body")
  status=$(json_field status <<<"$body")
  [ "$code/$status" = 201/CONFIRMED ] || fail "the order under the fault answered $code: $body"
  echo "  POST /orders answered $code $status for order $id (decided; phase two still owes the inventory's confirm)"
  echo "  right after: order $(curl -sf "$order/orders/$id" | json_field status), stock $(stock_line "$sku" "$first_inventory")"
  local deadline=$((SECONDS + SETTLE_TIMEOUT))
  until [ "$(curl -sf "$order/orders?sku=$sku" | json_field status)" = CONFIRMED ] \
    && [ "$(stock_line "$sku" "$first_inventory")" = "available=1 frozen=0 sold=2" ]; do
    ((SECONDS < deadline)) || fail "order $id not completed after ${SETTLE_TIMEOUT}s: $(curl -s "$order/orders/$id"), stock $(stock_line "$sku" "$first_inventory")"
    sleep 0.5
  done
  for port in $INVENTORY_PORTS; do
    left=$((left + $(curl -sf "http://127.0.0.1:$port/demo/faults" | json_field confirmFailures)))
  done
  ((left < armed)) || fail "no confirm failed: the fault switch did not fire"
  echo "  completed by retry after $((SECONDS - started))s and $((armed - left)) failed confirm(s): order CONFIRMED, stock $(stock_line "$sku" "$first_inventory")"
  for port in $INVENTORY_PORTS; do
    curl -sf -o /dev/null -XPOST "http://127.0.0.1:$port/demo/faults/confirm-failures?count=0" || true
  done
}

case "${1:-run}" in
  run)
    down 2>/dev/null || true
    rm -rf "$DATA_DIR"
    mkdir -p "$RUN_DIR"
    trap 'down' EXIT
    trap 'exit 130' INT TERM
    up
    scenario
    ;;
  up)
    mkdir -p "$RUN_DIR"
    trap 'down' EXIT
    trap 'exit 130' INT TERM
    up
    trap - EXIT
    log "services are up: order http://127.0.0.1:$ORDER_PORT, inventory on ports $INVENTORY_PORTS; stop them with ./demo.sh down"
    ;;
  down)
    down
    ;;
  *)
    echo "usage: $0 [run|up|down]" >&2
    exit 2
    ;;
esac
