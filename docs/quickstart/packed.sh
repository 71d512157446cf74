#!/usr/bin/env bash
# What the README's "Install" section tells a user to do, from a clean clone: pack the library and the tool,
# install the tool from the local packages and run it, then build a new console project against the packed
# library (dotnet add package) and run the tabular quick-start in it. .ci/run calls this after the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# A version of its own for every run: NuGet's global cache keeps the first package of a version it sees, so a
# repeated run with the plain version could build against an older package of the same number.
VERSION="$(sed -nE 's:.*<Version>(.*)</Version>.*:\1:p' "$ROOT/Directory.Build.props")-local.$(date +%s)"

dotnet pack "$ROOT/src/Flows" -c Release -o "$WORK/packages" -v q -nologo -p:Version="$VERSION"
dotnet pack "$ROOT/src/Flows.Cli" -c Release -o "$WORK/packages" -v q -nologo -p:Version="$VERSION"
dotnet tool install Flows.Cli --version "$VERSION" --tool-path "$WORK/tools" --add-source "$WORK/packages"
"$WORK/tools/flows" --help >"$WORK/help.txt"
head -3 "$WORK/help.txt"
"$WORK/tools/flows" sample "$ROOT/zoo/glow-mnist" --n 16 -o "$WORK/samples.png"

mkdir "$WORK/app"
cd "$WORK/app"
dotnet new console -n QuickStart -o . >/dev/null
dotnet add package Flows --version "$VERSION" --source "$WORK/packages" >/dev/null
cp "$ROOT/docs/quickstart/tabular/Program.cs" Program.cs
out="$(dotnet run -c Release)"
echo "$out"
grep -q '(0, 0): log p = .*, anomaly' <<<"$out"
grep -q '(1, 0): log p = .*, normal' <<<"$out"
echo "packed library and tool: ok (version $VERSION)"
