#!/usr/bin/env bash
# Regenerate the vendored MathJax CHTML set in docs/javascripts/mathjax/ from the npm registry.
# Usage: scripts/vendor-mathjax.sh [VERSION]   (default 3.2.2; needs npm and tar)
#
# tex-chtml-nomenu.js is MathJax's tex-chtml.js without its context menu (ui/menu, 426 KB of
# the 1.16 MB): the components startup, core, input/tex, output/chtml with its TeX font data,
# and a11y/assistive-mml (the MathML that screen readers read), concatenated in the order of
# MathJax's own combined file. Each registers itself with MathJax.startup as it runs; the final
# preLoad tells the loader they are present, so nothing is fetched twice. Pages load a third
# less script and equations are not tab stops (the menu made each one focusable).
# Also copied: the woff-v2 fonts, the TeX extensions (loaded at run time by \boldsymbol and
# friends) and LICENSE. Everything else in the package is left out.
set -euo pipefail

version="${1:-3.2.2}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/docs/javascripts/mathjax"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp"/mathjax-"$version".tgz -C "$tmp"
es5="$tmp/package/es5"
components=(startup core input/tex output/chtml output/chtml/fonts/tex a11y/assistive-mml)
for component in "${components[@]}"; do
  test -f "$es5/$component.js" || { echo "error: es5/$component.js missing in mathjax@$version" >&2; exit 1; }
done

rm -rf "$dest"
mkdir -p "$dest/output/chtml/fonts/woff-v2" "$dest/input/tex"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
{
  echo "/* MathJax $version: ${components[*]} (see scripts/vendor-mathjax.sh) */"
  for component in "${components[@]}"; do
    cat "$es5/$component.js"
    echo
  done
  echo 'MathJax.loader.preLoad("core", "input/tex", "output/chtml", "output/chtml/fonts/tex.js", "a11y/assistive-mml");'
} > "$dest/tex-chtml-nomenu.js"
cp "$es5"/output/chtml/fonts/woff-v2/* "$dest/output/chtml/fonts/woff-v2/"
cp -R "$es5/input/tex/extensions" "$dest/input/tex/extensions"

count="$(find "$dest" -type f | wc -l)"
size="$(du -sh "$dest" | cut -f1)"
echo "vendored mathjax@$version: $count files, $size in ${dest#"$repo_root"/}"
