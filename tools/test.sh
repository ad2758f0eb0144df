#!/usr/bin/env bash
# The README's test command: build once in Release, then run every test project at once, each writing its TRX file
# to its own folder under TestResults/ (run as one solution, two projects starting in the same microsecond wrote the
# same TRX file name and one project's results were lost). Extra arguments go to every project (e.g. filters).
set -uo pipefail
# Job control: each project runs in its own process group with SIGINT at its default. (Without it bash starts background
# jobs with SIGINT ignored, and the tests that press Ctrl-C on a takase process would see it ignored.)
set -m
cd "$(dirname "$0")/.."
dotnet build Takase.slnx -c Release || exit 1
pids=()
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test --project "$project" -c Release --no-build --results-directory "$PWD/TestResults/$name" --report-xunit-trx "$@" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
# On a CPU with AVX-512 or AVX-VNNI the engine picks those kernels, and the plain AVX2 ones (what a Zen 3 or an older
# Intel runs) would go untested: run the kernel and model tests once more with the runtime told to stop at AVX2.
if grep -qwE 'avx512f|avx_vnni' /proc/cpuinfo 2>/dev/null; then
  DOTNET_EnableAVX512=0 DOTNET_EnableAVXVNNI=0 dotnet test --project tests/Takase.Engine.Tests/Takase.Engine.Tests.csproj -c Release --no-build \
    --results-directory "$PWD/TestResults/Takase.Engine.Tests-avx2" --report-xunit-trx \
    --filter-namespace "Takase.Engine.Tests.Kernels*" --filter-namespace "Takase.Engine.Tests.Models" "$@" || status=1
fi
exit $status
