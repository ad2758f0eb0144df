#!/usr/bin/env bash
# The README's test command: build once in Release, run every test project, write TRX files to TestResults/.
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet test --solution Takase.slnx -c Release --results-directory "$PWD/TestResults" --report-xunit-trx "$@"
