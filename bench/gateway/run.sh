#!/usr/bin/env bash
# Requests/s of a gateway node routing to remote targets: two `takase serve` backends serve stories260K, a third
# node is the gateway whose target "pool" has both as replicas (profile "cluster"), and bench/load's streaming
# clients ask the gateway. For comparison: the gateway to one backend without replicas (profile "one"), and the
# same load straight to one backend.
#   bench/gateway/run.sh [clients] [seconds] [max_tokens] [rounds]      (defaults: 16 10 8 2)
# Each round measures the four paths in turn; later rounds are the ones to quote (JIT tiers settle over the first).
# Needs ../shared/data/models/stories260K.gguf; builds src/Takase.Cli and bench/load in Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-16}; seconds=${2:-10}; max_tokens=${3:-8}; rounds=${4:-2}
model=$(realpath "${TAKASE_SHARED:-../shared/data}/models/stories260K.gguf")
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/Takase.Cli -c Release -v q -nologo >/dev/null
dotnet build bench/load/LoadTest.csproj -c Release -v q -nologo >/dev/null
takase=$(ls src/Takase.Cli/bin/Release/net*/takase.dll | head -1)
load=$(ls bench/load/bin/Release/net*/takase-load.dll | head -1)
mkdir -p "$work/models" && ln -s "$model" "$work/models/stories260K.gguf"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
b1=$(free_port); b2=$(free_port); gw=$(free_port)

start() { # name port [env...]
  local name=$1 port=$2; shift 2
  mkdir -p "$work/$name"
  env TAKASE_HOME="$work/$name" OLLAMA_MODELS="$work/none" TAKASE__Database__Path="$work/$name/takase.db" "$@" \
    dotnet "$takase" serve --host "127.0.0.1:$port" --models "$work/models" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
wait_ready() { for _ in $(seq 600); do curl -sf "http://127.0.0.1:$1/api/ready" >/dev/null && return 0; sleep 0.1; done; echo "node on $1 did not start:" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }

start backend1 "$b1"
start backend2 "$b2"
start gateway "$gw" \
  TAKASE__Router__Targets__pool__Kind=Remote TAKASE__Router__Targets__pool__Model=stories260K \
  TAKASE__Router__Targets__pool__Endpoint="http://127.0.0.1:$b1/v1" TAKASE__Router__Targets__pool__Replicas__0="http://127.0.0.1:$b2/v1" \
  TAKASE__Router__Profiles__cluster__Candidates__0=pool \
  TAKASE__Router__Targets__single__Kind=Remote TAKASE__Router__Targets__single__Model=stories260K \
  TAKASE__Router__Targets__single__Endpoint="http://127.0.0.1:$b1/v1" TAKASE__Router__Profiles__one__Candidates__0=single \
  TAKASE__Router__Targets__twice__Kind=Remote TAKASE__Router__Targets__twice__Model=stories260K \
  TAKASE__Router__Targets__twice__Endpoint="http://127.0.0.1:$b1/v1" TAKASE__Router__Targets__twice__Replicas__0="http://localhost:$b1/v1" \
  TAKASE__Router__Profiles__same__Candidates__0=twice
wait_ready "$b1"; wait_ready "$b2"; wait_ready "$gw"

run() { # label url model
  echo "== $1"
  out=$(dotnet "$load" --url "$2" --model "$3" --clients "$clients" --seconds "$seconds" --max-tokens "$max_tokens" --grace 30)
  echo "$out"
  done_count=$(echo "$out" | awk '/^requests completed/ {print $3}')
  python3 -c "print(f'requests/s                {int(\"$done_count\")/$seconds:.1f}')"
}
# Warm every path (model loads, JIT tiers) before measuring: otherwise whichever runs first pays for it.
for m in cluster one same; do
  dotnet "$load" --url "http://127.0.0.1:$gw" --model "$m" --clients "$clients" --seconds 4 --max-tokens "$max_tokens" --grace 30 >/dev/null
done
dotnet "$load" --url "http://127.0.0.1:$b1" --model stories260K --clients "$clients" --seconds 4 --max-tokens "$max_tokens" --grace 30 >/dev/null
for round in $(seq "$rounds"); do
  echo "#### round $round of $rounds"
  run "gateway -> pool (2 remote replicas)" "http://127.0.0.1:$gw" cluster
  run "gateway -> one remote target (no replicas)" "http://127.0.0.1:$gw" one
  # Two replica URLs of the same backend: the replica machinery's own cost, without a second engine sharing the cores.
  run "gateway -> 2 replica URLs of one backend" "http://127.0.0.1:$gw" same
  run "one backend directly (no gateway)" "http://127.0.0.1:$b1" stories260K
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
