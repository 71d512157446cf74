#!/usr/bin/env bash
# What the README's "Install" section tells a user to do, from a clean clone: pack the library and the tool,
# install the tool from the local packages and run it, then build a new console project against the packed
# library (dotnet add package) and run each of the three quick-starts in it. .ci/run calls this after the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# A version of its own for every run: NuGet's global cache keeps the first package of a version it sees, so a
# repeated run with the plain version could build against an older package of the same number.
VERSION="$(sed -nE 's:.*<Version>(.*)</Version>.*:\1:p' "$ROOT/Directory.Build.props")-local.$(date +%s)"

dotnet pack "$ROOT/src/Flows" -c Release -o "$WORK/packages" -v q -nologo -p:Version="$VERSION"
dotnet pack "$ROOT/src/Flows.Cli" -c Release -o "$WORK/packages" -v q -nologo -p:Version="$VERSION"
# The packages carry the licence (expression and file) and their symbols.
unzip -p "$WORK/packages/Flows.$VERSION.nupkg" Flows.nuspec >"$WORK/Flows.nuspec"
unzip -l "$WORK/packages/Flows.$VERSION.nupkg" >"$WORK/Flows.files"
grep -q '<license type="expression">MIT</license>' "$WORK/Flows.nuspec"
grep -q ' LICENSE$' "$WORK/Flows.files"
test -f "$WORK/packages/Flows.$VERSION.snupkg"
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

# The other two quick-starts, word for word, against the same packed library: load-and-sample from the zoo, and
# the image quick-start for 20 steps (it needs MNIST: `flows data get mnist` fetches it when it is missing).
cp "$ROOT/docs/quickstart/zoo/Program.cs" Program.cs
out="$(dotnet run -c Release -- "$ROOT/zoo/glow-mnist")"
echo "$out"
grep -q '^Glow: 874,576 parameters, images 1x28x28' <<<"$out"
test -s digits.png
"$WORK/tools/flows" data get mnist >/dev/null
cp "$ROOT/docs/quickstart/images/Program.cs" Program.cs
out="$(dotnet run -c Release -- 20)"
echo "$out" | tail -2
grep -q '^test: [0-9.]* bits/dim' <<<"$out"
test -s samples.png
test -d my-glow
"$WORK/tools/flows" sample my-glow --n 4 -o "$WORK/from-quickstart.png" >/dev/null

# SourceLink: a clone whose remote is on GitHub packs a PDB that maps every source file to that commit on
# raw.githubusercontent.com, and a nuspec naming the repository and commit (without such a remote it stays off).
if git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1; then
  git clone -q "$ROOT" "$WORK/linked"
  git -C "$WORK/linked" remote set-url origin https://github.com/flows-dotnet/flows.git
  commit="$(git -C "$WORK/linked" rev-parse HEAD)"
  dotnet pack "$WORK/linked/src/Flows" -c Release -o "$WORK/linked-packages" -v q -nologo -p:Version="$VERSION"
  # (whole files first: grep -q closing the pipe early would fail the pipeline under pipefail)
  unzip -p "$WORK/linked-packages/Flows.$VERSION.nupkg" Flows.nuspec >"$WORK/linked.nuspec"
  unzip -p "$WORK/linked-packages/Flows.$VERSION.snupkg" lib/net10.0/Flows.pdb >"$WORK/linked.pdb"
  grep -q "<repository type=\"git\" url=\"https://github.com/flows-dotnet/flows.git\".*commit=\"$commit\"" "$WORK/linked.nuspec"
  grep -aq "raw.githubusercontent.com/flows-dotnet/flows/$commit/" "$WORK/linked.pdb"
  echo "SourceLink: ok (commit $commit)"
fi
echo "packed library and tool: ok (version $VERSION)"
