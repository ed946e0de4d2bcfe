#!/usr/bin/env bash
# Regenerate the vendored MathJax CHTML set in docs/javascripts/mathjax/ from the npm registry.
# Usage: scripts/vendor-mathjax.sh [VERSION]   (default 3.2.2; needs npm and tar)
# Copies es5/tex-chtml.js, the woff-v2 fonts, the TeX extensions (loaded at run time by
# \boldsymbol and friends) and LICENSE. Everything else in the package is left out.
set -euo pipefail

version="${1:-3.2.2}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/docs/javascripts/mathjax"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp"/mathjax-"$version".tgz -C "$tmp"
src="$tmp/package"
test -f "$src/es5/tex-chtml.js" || { echo "error: es5/tex-chtml.js missing in mathjax@$version" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest/output/chtml/fonts/woff-v2" "$dest/input/tex"
cp "$src/LICENSE" "$dest/LICENSE"
cp "$src/es5/tex-chtml.js" "$dest/tex-chtml.js"
cp "$src"/es5/output/chtml/fonts/woff-v2/* "$dest/output/chtml/fonts/woff-v2/"
cp -R "$src/es5/input/tex/extensions" "$dest/input/tex/extensions"

count="$(find "$dest" -type f | wc -l)"
size="$(du -sh "$dest" | cut -f1)"
echo "vendored mathjax@$version: $count files, $size in ${dest#"$repo_root"/}"
