#!/usr/bin/env bash
# Builds the front end into dist/: `scripts/front.sh` for tests and development (quick to
# build), `scripts/front.sh --release` for serving (small). The app's wasm is split: the pages
# marked #[lazy] (app/src/shell.rs) become modules of their own that the browser fetches when a
# page is first opened, so the login form needs only the shell. (Trunk, used before, runs
# wasm-bindgen straight after cargo; the split must come in between.)
#
#   cargo build (app, csr) -> wasm-split-cli -> wasm-bindgen (the main module only)
#                          -> wasm-opt on every module (release)
#
# The wasm, its JS and the CSS go into one folder named by the hash of their contents
# (`app-<hash>/`): the modules refer to each other by relative names, and the server caches a
# hashed folder's files for a year (server/src/assets.rs). index.html gets the stylesheet and
# the boot script; public/ is copied as it is. The tools (wasm-bindgen 0.2.130,
# wasm-split-cli 0.2.3, binaryen 132's wasm-opt) come from scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

profile=wasm-dev
[ "${1:-}" = "--release" ] && profile=wasm-release
target_dir="${CARGO_TARGET_DIR:-target}"

# The wasm32 rustflags (type-erased components, and the relocations the splitter reads) come
# from .cargo/config.toml: a RUSTFLAGS in the environment would replace them.
env -u RUSTFLAGS cargo build --locked -p app --bin app --no-default-features --features csr \
  --target wasm32-unknown-unknown --profile "$profile"

# Built beside dist/ (same file system), so that the final rename is one step.
work="$(mktemp -d "$PWD/.front.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/app" "$work/dist"
# -> main.wasm, split_<page>_<n>.wasm, chunk_<n>.wasm (code some pages share), and the loader
# __wasm_split.js, which imports initSync from ./main.js.
wasm-split-cli "$target_dir/wasm32-unknown-unknown/$profile/app.wasm" "$work/app"
# The loader hands each page module the main module's memory and function table: wasm-bindgen
# must keep the linker's exports.
wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript \
  --out-dir "$work/app" --out-name main "$work/app/main.wasm"
rm "$work/app/main.wasm"
if [ "$profile" = wasm-release ]; then
  for module in "$work"/app/*.wasm; do
    node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$module" -o "$module.opt"
    mv "$module.opt" "$module"
  done
fi
cp style/main.css "$work/app/main.css"

hash="$(cd "$work/app" && find . -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
folder="app-$hash"
mv "$work/app" "$work/dist/$folder"
cp -r public "$work/dist/public"

at="/$folder"
head="<link rel=\"stylesheet\" href=\"$at/main.css\">"
head+="<link rel=\"modulepreload\" href=\"$at/main.js\"><link rel=\"modulepreload\" href=\"$at/__wasm_split.js\">"
head+="<link rel=\"preload\" href=\"$at/main_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\">"
head+="<script type=\"module\">import init from '$at/main.js'; await init({ module_or_path: '$at/main_bg.wasm' });</script>"
node -e '
const fs = require("fs");
const [source, target, head] = process.argv.slice(1);
const marker = "<!-- front.sh: stylesheet and boot script -->";
const text = fs.readFileSync(source, "utf8");
if (!text.includes(marker)) { console.error(`${source} lacks the line ${marker}`); process.exit(1); }
fs.writeFileSync(target, text.replace(marker, () => head));
' index.html "$work/dist/index.html" "$head"

# The server may be serving dist/: the new build replaces it whole, but keeps the two builds
# before it, so that a browser still running one of them can fetch a page it has not opened
# yet (a page module that cannot be fetched ends the app).
if [ -d dist ]; then
  for previous in $(ls -dt dist/app-*/ 2>/dev/null | grep -v "/$folder/\$" | head -n 2); do
    cp -rp "$previous" "$work/dist/"
  done
fi
rm -rf dist.old
[ -d dist ] && mv dist dist.old
if ! mv "$work/dist" dist; then
  [ -d dist.old ] && mv dist.old dist
  echo "could not put the new build in dist/: the previous one is kept" >&2
  exit 1
fi
rm -rf dist.old
echo "front end built into dist/ ($profile): $folder, $(du -sh "dist/$folder" | cut -f1)"
