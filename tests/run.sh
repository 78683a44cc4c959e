#!/usr/bin/env bash
# Runs the whole test suite, installing what the tests need first.
# Results (TRX) land in TestResults/ at the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf TestResults
# The cluster tests start their own PostgreSQL from the machine's server binaries.
bash deploy/local/prerequisites.sh
# The browser tests drive Debian's Chromium (Playwright is pointed at /usr/bin/chromium; no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
dotnet build ActorOAuth.sln -c Release
dotnet test ActorOAuth.sln -c Release --no-build \
  --blame-hang-timeout 8m --logger "trx" --logger "console;verbosity=normal" --results-directory TestResults "$@"

# The packages, consumed the way a vendor does: packed into a local folder, then samples/ (not in the solution)
# references them as packages (samples/nuget.config) and its tests run and report like the others.
rm -rf artifacts/packages
for project in Abstractions Grains Sandbox Api Client Testing; do
  dotnet pack "src/ActorOAuth.$project" -c Release --no-build -o artifacts/packages
done
# A package of the same version restored before would come from the global cache instead of the folder.
rm -rf "$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"actoroauth.*
dotnet test samples/VendorIntegration.Tests -c Release \
  --blame-hang-timeout 8m --logger "trx" --logger "console;verbosity=normal" --results-directory TestResults
